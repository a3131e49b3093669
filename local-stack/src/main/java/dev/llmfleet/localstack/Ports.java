package dev.llmfleet.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Port helpers for the local stack: free ports to bind, busy ports to refuse early with a clear message. */
public final class Ports {
    private Ports() {
    }

    /** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /** True when something already listens on 127.0.0.1:port. */
    public static boolean busy(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until 127.0.0.1:port accepts connections or the deadline passes. */
    public static boolean awaitOpen(int port, long timeoutMillis, Process process) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (busy(port)) {
                return true;
            }
            if (process != null && !process.isAlive()) {
                return false;
            }
            sleep(50);
        }
        return false;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
