package dev.llmfleet.e2e;

import dev.llmfleet.localstack.testing.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prometheus' promtool (Debian: the {@code prometheus} package), run as a process. Missing, it fails: it never skips. */
final class Promtool {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private Promtool() {
    }

    /** {@code promtool check rules <file>}. */
    static Command.Result checkRules(Path rules) throws IOException, InterruptedException {
        return run(rules.getParent(), List.of("check", "rules", rules.getFileName().toString()));
    }

    /** {@code promtool test rules <file>}, in the test file's folder (its rule_files are relative to it). */
    static Command.Result testRules(Path tests) throws IOException, InterruptedException {
        return run(tests.getParent(), List.of("test", "rules", tests.getFileName().toString()));
    }

    private static Command.Result run(Path dir, List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("promtool");
        command.addAll(arguments);
        try {
            return Command.run(dir, command, Map.of(), TIMEOUT);
        } catch (IOException e) {
            throw new IllegalStateException("`promtool` is not on PATH: install it with `apt-get install prometheus` "
                    + "(Debian's prometheus package ships promtool; .ci/run installs it)", e);
        }
    }
}
