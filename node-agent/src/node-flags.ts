/**
 * Node's flags for the agent, as the image's nettune-agent runs it (the
 * Dockerfile writes them into its wrapper; a test keeps the two equal).
 *
 * The agent runs on every node and mostly waits: its time goes to the kernel
 * and ethtool, not to JavaScript. V8's lite mode (no optimizing compiler,
 * feedback vectors allocated only for functions that run) keeps an idle agent
 * about 19 MB smaller; checking and planning a spec cost the same.
 *
 * Its heap is small, so one thread collects it in well under a millisecond a
 * time. Collecting in parallel woke helper threads for every collection and
 * cost an idle agent about twice the CPU (0.108% of a core against
 * 0.042-0.067%, bench/agent-footprint.ts).
 */
export const agentNodeFlags: readonly string[] = ["--lite-mode", "--single-threaded-gc"];
