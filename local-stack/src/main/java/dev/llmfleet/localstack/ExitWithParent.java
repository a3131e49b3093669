package dev.llmfleet.localstack;

import java.util.Optional;

/** Ends this JVM when the process that started it is gone (child processes must not outlive their owner). */
final class ExitWithParent {
    private ExitWithParent() {
    }

    static void arm() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        parent.ifPresent(handle -> handle.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
    }
}
