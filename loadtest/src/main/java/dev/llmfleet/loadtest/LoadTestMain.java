package dev.llmfleet.loadtest;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** Command line of the load test: {@code run} against one target, {@code compare} two targets side by side. */
@Command(name = "loadtest", mixinStandardHelpOptions = true, version = "loadtest 0.1.0",
        description = "Scale in steps and measure: open-loop staged load with latency, errors and cost per request per stage.%n"
                + "Exit codes: 0 ok, 1 failure, 2 bad usage, 3 cost creep.",
        subcommands = {LoadTestMain.RunCommand.class, LoadTestMain.CompareCommand.class, CommandLine.HelpCommand.class})
public final class LoadTestMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new LoadTestMain())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("loadtest: " + e.getMessage());
                    return 1;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Staged load against one OpenAI-compatible base URL. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Send the stages to one target, e.g. run --base-url http://127.0.0.1:8080/v1 --stages 200x30s,500x30s --workload w.jsonl")
    static final class RunCommand implements Callable<Integer> {
        @Option(names = "--base-url", required = true, paramLabel = "[NAME=]URL", description = "Base URL ending in /v1.")
        String baseUrl;

        @Mixin
        LoadOptions options;

        @Override
        public Integer call() throws Exception {
            return new LoadTest(options, List.of(Target.parse(baseUrl)), System.out, System.err).run("run");
        }
    }

    /** The same stages against two targets, alternating, with the difference between them. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Send each stage to two targets in turn (same requests, same order) and print what the first adds "
                    + "in latency and saves in cost over the second, e.g. --target intake=http://127.0.0.1:8080/v1 "
                    + "--target direct=http://127.0.0.1:8090/v1")
    static final class CompareCommand implements Callable<Integer> {
        @Option(names = "--target", required = true, paramLabel = "NAME=URL",
                description = "Exactly two: the path measured first (e.g. intake), then the baseline (e.g. the provider directly).")
        List<String> targets;

        @Mixin
        LoadOptions options;

        @Override
        public Integer call() throws Exception {
            if (targets.size() != 2) {
                throw new CommandLine.ParameterException(new CommandLine(this), "compare needs exactly two --target options");
            }
            List<Target> parsed = targets.stream().map(Target::parse).toList();
            if (parsed.get(0).name().equals(parsed.get(1).name())) {
                throw new IllegalArgumentException("the two targets need different names");
            }
            return new LoadTest(options, parsed, System.out, System.err).run("compare");
        }
    }
}
