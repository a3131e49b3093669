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
 * @param paidBy           the replay key of the keyed request whose provider call paid for it (null when unkeyed). That
 *                         request coming again (a job's next run after a crash) may find its answer in the cache only,
 *                         its replay copy never written: it is then its own paid answer replayed, not a free cache hit
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StoredAnswer(JsonNode completion, String modelUsed, int promptTokens, int completionTokens, BigDecimal chargedUsd,
                           String paidBy) {
}
