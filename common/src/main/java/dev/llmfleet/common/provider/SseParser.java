package dev.llmfleet.common.provider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Server-Sent Events byte stream, which arrives in arbitrary chunks (possibly cutting a UTF-8
 * character or an event in two), into the {@code data} payloads of complete events. One parser per stream.
 */
public final class SseParser {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Feeds the next chunk; returns the data payloads of the events it completed (possibly none). */
    public List<String> feed(byte[] chunk) {
        pending.writeBytes(chunk);
        byte[] bytes = pending.toByteArray();
        List<String> payloads = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            int separator = separatorLength(bytes, i);
            if (separator > 0) {
                String data = data(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                if (data != null) {
                    payloads.add(data);
                }
                start = i + separator;
                i = start - 1;
            }
        }
        pending.reset();
        pending.write(bytes, start, bytes.length - start);
        return payloads;
    }

    /** Length of a blank-line separator ({@code \n\n} or {@code \r\n\r\n}) starting at {@code i}, else 0. */
    private static int separatorLength(byte[] b, int i) {
        if (b[i] == '\n' && i + 1 < b.length && b[i + 1] == '\n') {
            return 2;
        }
        if (b[i] == '\r' && i + 3 < b.length && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
            return 4;
        }
        return 0;
    }

    /** The event's data lines joined with newlines, or null for an event without data (a comment, a keep-alive). */
    private static String data(String event) {
        StringBuilder data = null;
        for (String line : event.split("\r?\n")) {
            if (line.startsWith("data:")) {
                String value = line.substring(5);
                value = value.startsWith(" ") ? value.substring(1) : value;
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        return data == null ? null : data.toString();
    }
}
