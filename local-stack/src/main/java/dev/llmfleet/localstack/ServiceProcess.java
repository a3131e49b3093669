package dev.llmfleet.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One packaged Quarkus service run as a real OS process: started with its environment, awaited until
 * {@code /q/health/ready} answers, stopped with SIGTERM, killed with SIGKILL, restarted on the same port.
 * <p>
 * Port 0 asks for a free port. A free port is only free when it is chosen: another process (this machine runs many
 * test JVMs, brokers and browsers) may bind it before the service does. Until the service has been ready once, such a
 * clash moves it to another free port instead of failing; from then on its port is kept, so restarts find it there.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final Path NICE = Path.of("/usr/bin/nice");
    /** How many times one start may move to another port after losing its port to another process. */
    private static final int PORT_CLASHES_TOLERATED = 3;

    private final String name;
    private final Path jar;
    /** Where a port 0 service gets its port; null when the caller fixed the port. */
    private final IntSupplier freePorts;
    private int port;
    /** True once the service was ready on {@link #port}: from then on it keeps that port. */
    private boolean portKept;
    private final Map<String, String> env;
    private final Path log;
    private final List<String> jvmOptions;
    private final int niceness;
    private Process process;

    public ServiceProcess(String name, Path jar, int port, Map<String, String> env, Path log, List<String> jvmOptions) {
        this(name, jar, port, env, log, jvmOptions, 0);
    }

    /** {@code niceness} above 0 runs the JVM under {@code nice}: lower CPU priority where processes share cores. */
    public ServiceProcess(String name, Path jar, int port, Map<String, String> env, Path log, List<String> jvmOptions, int niceness) {
        this(name, jar, port, port == 0 ? Ports::free : null, env, log, jvmOptions, niceness);
    }

    /** A port 0 service whose free ports come from {@code freePorts} (tests hand it a port they hold). */
    ServiceProcess(String name, Path jar, IntSupplier freePorts, Map<String, String> env, Path log, List<String> jvmOptions) {
        this(name, jar, 0, freePorts, env, log, jvmOptions, 0);
    }

    private ServiceProcess(String name, Path jar, int port, IntSupplier freePorts, Map<String, String> env, Path log,
                           List<String> jvmOptions, int niceness) {
        this.name = name;
        this.jar = jar;
        this.port = port;
        this.freePorts = freePorts;
        this.env = Map.copyOf(env);
        this.log = log;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.niceness = niceness;
    }

    /**
     * Launches the process (without waiting for health); refuses a busy fixed or kept port, or a missing jar, clearly.
     * A port 0 service not yet ready takes a free port nobody listens on.
     */
    public ServiceProcess launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + ": " + jar + " not found; build first (./mvnw -DskipTests package)");
        }
        if (portMovable()) {
            do {
                port = freePorts.getAsInt();
            } while (Ports.busy(port));
        } else if (Ports.busy(port)) {
            throw new IllegalStateException(name + ": port " + port + " on 127.0.0.1 is already in use;"
                    + " stop what listens there or choose another port (see README, Configuration)");
        }
        List<String> command = new ArrayList<>();
        if (niceness > 0 && Files.isExecutable(NICE)) {
            // nice execs the JVM in place: the pid, signals and exit code are the JVM's own
            command.addAll(List.of(NICE.toString(), "-n", Integer.toString(niceness)));
        }
        command.add(JavaProcess.javaBinary().toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        try {
            Files.createDirectories(log.getParent());
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " could not be started; see " + log, e);
        }
        return this;
    }

    /**
     * Waits until the service reports ready; fails with the log's path if it exits or times out. A port 0 service that
     * exits because another process took its port meanwhile is launched again on another free port.
     */
    public ServiceProcess awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int clashes = 0;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                if (portMovable() && Ports.busy(port) && clashes++ < PORT_CLASHES_TOLERATED) {
                    launch();
                    continue;
                }
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + " while starting; see " + log);
            }
            HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
            try {
                if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    portKept = true;
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            Ports.sleep(100);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s; see " + log);
    }

    public ServiceProcess start(Duration timeout) {
        return launch().awaitReady(timeout);
    }

    private boolean portMovable() {
        return freePorts != null && !portKept;
    }

    /** SIGKILL: the process gets no chance to clean up, as in a crash or an OOM kill. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGTERM with a grace period, then SIGKILL. */
    public void stop() {
        JavaProcess.stop(process, 20);
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    /** Resident set size in KiB from /proc (Linux), or -1 where that is not available. */
    public long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        stop();
    }
}
