// One API request as a given service account would send it: a bearer token,
// no client library, so that the answer is the API server's own.
import { request } from "node:https";
import type { ControlPlane } from "./control-plane.ts";

export interface ApiAnswer {
  code: number;
  message: string;
}

/** A request with a bearer token; the API server's status code and message. */
export function sendAs(
  controlPlane: ControlPlane,
  token: string,
  method: string,
  url: string,
  body?: unknown,
  contentType = method === "PATCH" ? "application/merge-patch+json" : "application/json",
): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(url, controlPlane.server),
      {
        method,
        rejectUnauthorized: false,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": contentType,
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          const parsed = JSON.parse(text || "{}") as { message?: string };
          resolve({ code: response.statusCode ?? 0, message: parsed.message ?? "" });
        });
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
