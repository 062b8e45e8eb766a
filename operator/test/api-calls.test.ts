import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { APICallError, APICalls, isConflict, statusOf } from "../src/cluster/api-calls.ts";

const failing = (status: number) => (): Promise<string> =>
  Promise.reject(new ApiException(status, `HTTP ${status}`, {}, {}));

describe("the operator's counted API calls", () => {
  it("count a failure by verb and status, and throw it with the status kept", async () => {
    const counted: string[] = [];
    const calls = new APICalls((verb, status) => counted.push(`${verb} ${status}`));
    const error = await calls.call("renew lease", failing(409)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APICallError);
    expect(statusOf(error)).toBe(409);
    expect(isConflict(error)).toBe(true);
    expect(counted).toEqual(["renew lease 409"]);
  });

  it("answer a 404 of a find with undefined, uncounted; any other failure is counted", async () => {
    const counted: string[] = [];
    const calls = new APICalls((verb, status) => counted.push(`${verb} ${status}`));
    const absent = await calls.find("get secret", failing(404));
    expect(absent).toBeUndefined();
    await expect(calls.find("get secret", failing(500))).rejects.toThrow(
      "get secret failed (HTTP 500)",
    );
    expect(counted).toEqual(["get secret 500"]);
  });

  it("count an error that never reached the API server as status 0", async () => {
    const counted: string[] = [];
    const calls = new APICalls((verb, status) => counted.push(`${verb} ${status}`));
    await expect(
      calls.call("patch", () => Promise.reject(new Error("ECONNREFUSED"))),
    ).rejects.toThrow("patch failed");
    expect(counted).toEqual(["patch 0"]);
  });
});
