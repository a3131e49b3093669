package dev.llmfleet.localstack;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A service started on port 0 survives losing its free port to another process before it binds it. */
class ServiceProcessTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private static Path jar;
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** A jar whose manifest runs {@link ReadyOnlyService} from this module's test classes. */
    @BeforeAll
    static void jar() throws Exception {
        Path classes = Path.of(ReadyOnlyService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ReadyOnlyService.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
        jar = dir.resolve("ready-only.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // the manifest is the whole jar
        }
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    @Test
    void aFreePortTakenBeforeLaunchIsPassedOverAndKeptOnceReady() throws IOException {
        ServerSocket taken = listen(Ports.free());
        ServiceProcess service = service(ports(taken.getLocalPort()));

        service.start(START);
        int port = service.port();
        assertThat(port).isNotEqualTo(taken.getLocalPort());

        service.stop();
        service.start(START);
        assertThat(service.port()).as("a restart keeps the port it was ready on").isEqualTo(port);
    }

    @Test
    void aFreePortTakenWhileTheServiceStartsMovesItToAnother() throws IOException {
        int first = Ports.free();
        ServiceProcess service = service(ports(first));

        service.launch();
        assertThat(service.port()).isEqualTo(first);
        listen(first); // another process binds it while the service's JVM is still starting
        service.awaitReady(START);

        assertThat(service.port()).isNotEqualTo(first);
        assertThat(Files.readString(service.log())).contains("port " + first + " is already in use");
    }

    @Test
    void aFixedPortInUseIsRefusedClearly() throws IOException {
        ServerSocket taken = listen(Ports.free());
        ServiceProcess service = new ServiceProcess("fixed", jar, taken.getLocalPort(), Map.of(), dir.resolve("fixed.log"), List.of());
        opened.add(service);

        assertThatThrownBy(service::launch).hasMessageContaining("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
    }

    private ServiceProcess service(IntSupplier freePorts) {
        ServiceProcess service = new ServiceProcess("ready-only", jar, freePorts, Map.of(), dir.resolve("ready-only-" + System.nanoTime() + ".log"),
                List.of("-Xmx32m"));
        opened.add(service);
        return service;
    }

    /** {@code first}, then ports the OS picks. */
    private static IntSupplier ports(int first) {
        Iterator<Integer> head = List.of(first).iterator();
        return () -> head.hasNext() ? head.next() : Ports.free();
    }

    private ServerSocket listen(int port) throws IOException {
        ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
        opened.add(socket);
        return socket;
    }
}
