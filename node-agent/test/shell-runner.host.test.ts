import { afterEach, describe, expect, it } from "vitest";
import { shellRunner, shellWord, type ShellRunner } from "../src/host/shell-runner.ts";

const runners: ShellRunner[] = [];
function runner(options: Parameters<typeof shellRunner>[0] = {}): ShellRunner {
  const made = shellRunner(options);
  runners.push(made);
  return made;
}
afterEach(() => {
  for (const made of runners.splice(0)) made.close();
});

describe("the agent's shell runner", () => {
  it.each([
    { sentence: "a quote", arg: "it's" },
    { sentence: "a command substitution", arg: "$(touch /tmp/nettune-pwned)" },
    { sentence: "backquotes", arg: "`id`" },
    { sentence: "a second command", arg: "x; echo pwned" },
    { sentence: "a glob", arg: "/*" },
    { sentence: "a newline", arg: "two\nlines" },
    { sentence: "a variable", arg: "$HOME ${PATH}" },
    { sentence: "nothing at all", arg: "" },
  ])("passes an argument holding $sentence as one literal word", async ({ arg }) => {
    const { code, stdout } = await runner().run("printf", ["%s|", arg, "end"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${arg}|end|`);
  });

  it("keeps standard output exact, trailing newlines included, and standard error apart", async () => {
    const answer = await runner().run("sh", [
      "-c",
      "printf 'a\\n\\n'; printf 'oops\\n' >&2; exit 3",
    ]);
    expect(answer).toEqual({ code: 3, stdout: "a\n\n", stderr: "oops\n" });
  });

  it("answers 127 for a program that is not there, as a failed start does", async () => {
    expect((await runner().run("nettune-no-such-program", [])).code).toBe(127);
  });

  it("gives the program /dev/null, never its own command stream, as standard input", async () => {
    const run = runner({ shells: 1 }).run;
    const [first, second] = await Promise.all([run("cat", []), run("echo", ["after"])]);
    expect(first).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(second.stdout).toBe("after\n");
  });

  it("ends a program that overruns its time, and runs the next command in a new shell", async () => {
    const { run } = runner({ timeoutMs: 300, shells: 1 });
    const slow = await run("sleep", ["30"]);
    expect(slow.code).toBe(127);
    expect((await run("echo", ["next"])).stdout).toBe("next\n");
  });

  it("ends a program that writes more than its share", async () => {
    const { run } = runner({ maxBytes: 1000 });
    expect((await run("head", ["-c", "100000", "/dev/zero"])).code).toBe(127);
    expect((await run("echo", ["next"])).stdout).toBe("next\n");
  });

  it("runs commands side by side up to its shells, and all of them", async () => {
    const run = runner({ shells: 2 }).run;
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, i) => run("sh", ["-c", `sleep 0.05; echo ${String(i)}`])),
    );
    expect(answers.map((a) => a.stdout)).toEqual(
      Array.from({ length: 9 }, (_, i) => `${String(i)}\n`),
    );
  });

  it("refuses an argument with a NUL byte, which no program could be given", () => {
    expect(() => shellWord("a\0b")).toThrow("NUL");
  });
});
