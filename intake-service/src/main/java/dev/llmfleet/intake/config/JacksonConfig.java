package dev.llmfleet.intake.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * How intake parses a client's JSON: no name twice in one object (which of two values counts would be a guess), and at
 * most {@link #MAX_NESTING_DEPTH} levels deep, so no body can make a later recursive walk (validation, serialisation to
 * Kafka or the provider) deep. A violation is a {@link com.fasterxml.jackson.core.JsonProcessingException}, answered
 * 400 {@code invalid_json}. ({@code RequestJson} adds strict UTF-8 and one document per body.)
 */
@Singleton
public class JacksonConfig implements ObjectMapperCustomizer {
    /**
     * Deepest nesting of arrays and objects in a request. An OpenAI chat body needs 4 levels ({@code messages[].content[]});
     * a {@code response_format} JSON schema takes the rest (OpenAI's structured outputs allow 10 levels of schema).
     */
    public static final int MAX_NESTING_DEPTH = 64;

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
