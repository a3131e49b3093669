package dev.llmfleet.localstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting and stopping child JVMs: same java binary and classpath as this one, clean stop with a hard fallback. */
final class JavaProcess {
    private JavaProcess() {
    }

    static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** A child JVM running {@code mainClass} from this JVM's classpath. */
    static ProcessBuilder builder(String mainClass, List<String> args, String... jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary().toString());
        command.addAll(List.of(jvmOptions));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return new ProcessBuilder(command);
    }

    /** SIGTERM, then SIGKILL if the process has not ended after {@code graceSeconds}. */
    static void stop(Process process, int graceSeconds) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
