package dev.llmfleet.common.lifecycle;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * When a launcher runs this service ({@code ./fleet up}, the end-to-end tests) it names itself in
 * {@code LLMFLEET_PARENT_PID}; if that process dies, even by SIGKILL, this service shuts down cleanly instead
 * of lingering on its port. Unset in Kubernetes, where it does nothing.
 */
@ApplicationScoped
public class ParentWatch {
    private static final Logger LOG = Logger.getLogger(ParentWatch.class);

    void watch(@Observes StartupEvent ignored, @ConfigProperty(name = "llmfleet.parent-pid") Optional<Long> parentPid) {
        parentPid.flatMap(ProcessHandle::of).ifPresent(parent -> parent.onExit().thenRun(() -> {
            LOG.warnf("launcher %d is gone: shutting down", parent.pid());
            Quarkus.asyncExit();
        }));
    }
}
