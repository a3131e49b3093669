package dev.llmfleet.common.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.math.BigDecimal;

/**
 * A finished answer kept in Redis, to serve again from the cache or to replay for a repeated
 * idempotency key, at no charge.
 *
 * @param completion       the OpenAI chat completion as first returned
 * @param modelUsed        the model that produced it
 * @param chargedUsd       what it cost the first time (the saving of every reuse)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StoredAnswer(JsonNode completion, String modelUsed, int promptTokens, int completionTokens, BigDecimal chargedUsd) {
}
