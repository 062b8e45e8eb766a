// node-agent plan|apply|revert|inventory (cli-main.ts). A one-shot process spends
// most of its start compiling; Node's compile cache (in the temp directory, or
// NODE_COMPILE_CACHE) keeps that work for the next call, and has to be on
// before the modules load.
import { enableCompileCache } from "node:module";

enableCompileCache();
const { runCLI } = await import("./cli-main.ts");
process.exitCode = await runCLI(process.argv.slice(2));
