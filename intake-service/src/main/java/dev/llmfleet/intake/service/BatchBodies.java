package dev.llmfleet.intake.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.FleetException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a batch body into its jobs: a JSON array (read element by element, never as one big tree) or JSON
 * Lines. A line that is not JSON becomes that line's error and never blocks the others; only a body that
 * cannot be split at all (an invalid array, too many lines, nothing) fails as a whole.
 */
public final class BatchBodies {
    private final ObjectMapper mapper;

    /** @param mapper the edge's mapper (one document per line, nesting bounded: {@code JacksonConfig}) */
    public BatchBodies(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * One entry of a batch.
     *
     * @param line  1-based: the element's position in a JSON array, or the line number in JSON Lines
     * @param body  the parsed job, or null when {@code error} says why it could not be read
     */
    public record BatchLine(int line, JsonNode body, FleetException error) {
    }

    /** Splits {@code body}; {@code jsonArray} is true for {@code application/json}, false for JSON Lines. */
    public List<BatchLine> split(byte[] body, boolean jsonArray, int maxLines) {
        List<BatchLine> lines = jsonArray ? array(body, maxLines) : jsonLines(body, maxLines);
        if (lines.isEmpty()) {
            throw FleetException.invalid("empty_batch", "The batch holds no jobs.");
        }
        return lines;
    }

    private List<BatchLine> array(byte[] body, int maxLines) {
        List<BatchLine> lines = new ArrayList<>();
        try (JsonParser parser = RequestJson.parser(mapper, body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw FleetException.invalid("empty_batch", "The batch holds no jobs.");
            }
            if (first != JsonToken.START_ARRAY) {
                throw FleetException.invalid("invalid_batch",
                        "An application/json batch must be a JSON array of jobs; send JSON Lines as application/x-ndjson.");
            }
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (token == null) {
                    throw FleetException.invalid("invalid_json", "The batch's JSON array is not closed.");
                }
                tooMany(lines.size() + 1, maxLines);
                lines.add(new BatchLine(lines.size() + 1, mapper.readTree(parser), null));
            }
            if (parser.nextToken() != null) {
                throw FleetException.invalid("invalid_json", "The batch has content after its JSON array.");
            }
        } catch (JsonProcessingException e) {
            // a limit of the edge's mapper (nesting depth, number length) reports no location
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw FleetException.invalid("invalid_json", "The batch is not valid JSON" + where + ": " + RequestJson.reason(e));
        } catch (IOException e) {
            throw FleetException.invalid("invalid_json", "The batch is not valid JSON: " + RequestJson.reason(e));
        }
        return lines;
    }

    private List<BatchLine> jsonLines(byte[] body, int maxLines) {
        List<BatchLine> lines = new ArrayList<>();
        int start = 0;
        int number = 0;
        while (start <= body.length) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            number++;
            int from = start;
            int to = end;
            while (from < to && isBlank(body[from])) {
                from++;
            }
            while (to > from && isBlank(body[to - 1])) {
                to--;
            }
            if (to > from) {
                tooMany(lines.size() + 1, maxLines);
                lines.add(line(number, body, from, to - from));
            }
            start = end + 1;
        }
        return lines;
    }

    private BatchLine line(int number, byte[] body, int offset, int length) {
        try {
            return new BatchLine(number, RequestJson.read(mapper, body, offset, length), null);
        } catch (IOException e) {
            return new BatchLine(number, null, FleetException.invalid("invalid_json", "Line " + number + " is not valid JSON: " + RequestJson.reason(e)));
        }
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }

    private static void tooMany(int count, int maxLines) {
        if (count > maxLines) {
            throw FleetException.rejected(413, "batch_too_large",
                    "A batch holds at most " + maxLines + " jobs; split it.");
        }
    }
}
