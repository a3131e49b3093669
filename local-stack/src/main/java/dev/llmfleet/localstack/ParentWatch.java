package dev.llmfleet.localstack;

import java.util.Optional;

/** Ends this JVM when the process that started it is gone (child processes must not outlive their owner). */
final class ParentWatch {
    private ParentWatch() {
    }

    static void exitWhenParentDies() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        parent.ifPresent(handle -> handle.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
    }
}
