package dev.llmfleet.intake.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.FleetException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Reads a request body as JSON in strict UTF-8: an invalid byte sequence (overlong forms included, which Jackson's own
 * byte parser lets through) fails the read with an {@link IOException}, like any other malformed JSON, and so does
 * content after the document. Every body intake takes is read here, with the edge's mapper ({@code JacksonConfig}).
 */
public final class RequestJson {
    private RequestJson() {
    }

    /** The JSON document in {@code body[offset, offset + length)}; a missing node when it holds only whitespace. */
    public static JsonNode read(ObjectMapper mapper, byte[] body, int offset, int length) throws IOException {
        return mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(utf8(body, offset, length));
    }

    /** A whole request body as one JSON document, or 400 {@code invalid_json} saying why it is not one. */
    public static JsonNode body(ObjectMapper mapper, byte[] body) {
        try {
            return read(mapper, body, 0, body.length);
        } catch (IOException e) {
            throw FleetException.invalid("invalid_json", "The request body is not valid JSON: " + reason(e));
        }
    }

    /** A streaming parser over all of {@code body}, for reading a large array element by element. */
    public static JsonParser parser(ObjectMapper mapper, byte[] body) throws IOException {
        return mapper.getFactory().createParser(utf8(body, 0, body.length));
    }

    /** Why {@code failure} (from this class) refused a body, for an error message: what Jackson says, or that it is not UTF-8. */
    public static String reason(IOException failure) {
        if (failure instanceof CharacterCodingException) {
            return "it is not valid UTF-8";
        }
        return failure instanceof JsonProcessingException json ? json.getOriginalMessage() : "it could not be read";
    }

    private static Reader utf8(byte[] body, int offset, int length) {
        // a decoder of its own reports malformed input (the charset's shared default replaces it with U+FFFD)
        return new InputStreamReader(new ByteArrayInputStream(body, offset, length), StandardCharsets.UTF_8.newDecoder());
    }
}
