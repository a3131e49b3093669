package dev.llmfleet.intake.quota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.pipeline.Completion;
import dev.llmfleet.common.pipeline.CompletionContext;
import dev.llmfleet.common.pipeline.CompletionPipeline;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.pipeline.Spend;
import dev.llmfleet.common.provider.CallGate;
import dev.llmfleet.common.quota.MonthlyBudget;
import dev.llmfleet.common.quota.Quota;
import dev.llmfleet.intake.redis.ProviderSimResource;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The completion pipeline with a key's quota in its context (what intake and the worker pass once API keys exist),
 * against the real simulator: limits and budgets are checked before the provider call (a refusal reaches no provider
 * and charges nothing) and a run's reservation is settled with what the provider charged when the run ends.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ProviderSimResource.class)
class QuotaPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    CompletionPipeline pipeline;
    @Inject
    MonthlyBudget budget;
    @Inject
    ObjectMapper mapper;

    private static Quota quota(Integer rpm, Integer tpm, Integer concurrent, String keyBudget) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        return new Quota("k_" + id, "t_" + id, rpm, tpm, concurrent, keyBudget == null ? null : new BigDecimal(keyBudget), null);
    }

    private JsonNode body(boolean stream) throws Exception {
        return mapper.readTree("{\"model\":\"openai/gpt-4o-mini\",\"max_tokens\":300,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"quota " + UUID.randomUUID() + "\"}]}");
    }

    private static CompletionContext context(Lane lane, Quota quota) {
        String id = UUID.randomUUID().toString();
        return new CompletionContext(id, id, lane, "support-chat", quota.tenant(), null, null, true, CallGate.OPEN, new Spend(), quota);
    }

    private Completion complete(Lane lane, Quota quota, boolean stream) throws Exception {
        return pipeline.complete(body(stream), context(lane, quota)).await().atMost(WAIT);
    }

    private FleetException refusal(Lane lane, Quota quota) throws Exception {
        JsonNode request = body(false);
        return catchThrowableOfType(FleetException.class, () -> pipeline.complete(request, context(lane, quota)).await().atMost(WAIT));
    }

    private void awaitSettled(Quota quota, BigDecimal charged) {
        await().atMost(WAIT).untilAsserted(() -> {
            MonthlyBudget.Usage usage = budget.keyUsage(quota.keyId()).await().atMost(WAIT);
            assertThat(usage.reservedUsd()).isZero();
            assertThat(usage.spentUsd()).isEqualByComparingTo(charged);
        });
    }

    @Test
    void anAnswerSettlesTheBudgetWithTheProvidersCharge() throws Exception {
        Quota quota = quota(null, null, null, "1.00");
        Completion completion = complete(Lane.INTERACTIVE, quota, false);
        assertThat(completion.chargedUsd()).isPositive();
        awaitSettled(quota, completion.chargedUsd());
    }

    @Test
    void aStreamSettlesTheBudgetWhenItEnds() throws Exception {
        Quota quota = quota(null, null, null, "1.00");
        Completion completion = complete(Lane.INTERACTIVE, quota, true);
        assertThat(budget.keyUsage(quota.keyId()).await().atMost(WAIT).reservedUsd()).as("held while the stream runs").isPositive();
        completion.events().collect().asList().await().atMost(WAIT);
        Completion.Charge charge = completion.settled().await().atMost(WAIT);
        assertThat(charge.chargedUsd()).isPositive();
        awaitSettled(quota, charge.chargedUsd());
    }

    @Test
    void aBudgetWithoutRoomForTheWorstCaseRefusesBeforeAnyProviderCall() throws Exception {
        // 300 completion tokens on gpt-4o-mini may cost $0.00018: more than this budget
        Quota quota = quota(null, null, null, "0.0001");
        long before = simRequests();
        FleetException refused = refusal(Lane.INTERACTIVE, quota);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("insufficient_quota");
        assertThat(simRequests()).isEqualTo(before);
        assertThat(budget.keyUsage(quota.keyId()).await().atMost(WAIT)).isEqualTo(new MonthlyBudget.Usage(usd(0), usd(0)));
    }

    @Test
    void aJobOverBudgetFailsWithInsufficientQuota() throws Exception {
        Quota quota = quota(null, null, null, "0.0001");
        assertThat(refusal(Lane.ASYNC, quota).code()).isEqualTo("insufficient_quota");
    }

    @Test
    void requestsPerMinuteCountEveryInteractiveRequestButNoJob() throws Exception {
        Quota quota = quota(1, null, null, null);
        long before = simRequests();
        complete(Lane.INTERACTIVE, quota, false);
        FleetException refused = refusal(Lane.INTERACTIVE, quota);
        assertThat(refused.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.retryAfterSeconds()).isPositive();
        assertThat(simRequests()).isEqualTo(before + 1);
        complete(Lane.ASYNC, quota, false);
    }

    @Test
    void aRequestOverTheTokensPerMinuteIsRefusedBeforeAnyProviderCall() throws Exception {
        // the prompt plus max_tokens (300) is over 200 tokens a minute
        Quota quota = quota(null, 200, null, null);
        long before = simRequests();
        FleetException refused = refusal(Lane.INTERACTIVE, quota);
        assertThat(refused.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.type()).isEqualTo("tokens");
        assertThat(simRequests()).isEqualTo(before);
    }

    @Test
    void aConcurrencySlotIsGivenBackWhenTheRunEnds() throws Exception {
        Quota quota = quota(null, null, 1, null);
        complete(Lane.INTERACTIVE, quota, false);
        // a run's slot is released as it ends, without the answer waiting for Redis: each next run is let through soon after
        await().atMost(WAIT).until(() -> admitted(quota, false) != null);
        Completion stream = await().atMost(WAIT).until(() -> admitted(quota, true), Objects::nonNull);
        assertThat(refusal(Lane.INTERACTIVE, quota).code()).as("held while the stream runs").isEqualTo("rate_limit_exceeded");
        stream.events().collect().asList().await().atMost(WAIT);
        await().atMost(WAIT).until(() -> admitted(quota, false) != null);
    }

    private static BigDecimal usd(long units) {
        return BigDecimal.valueOf(units, 8);
    }

    private long simRequests() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(ProviderSimResource.url() + "/admin/totals")).GET().build();
        return mapper.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body()).path("requests").asLong();
    }

    /** An interactive run of {@code quota}, or null when its limits refuse it. */
    private Completion admitted(Quota quota, boolean stream) throws Exception {
        try {
            return complete(Lane.INTERACTIVE, quota, stream);
        } catch (FleetException e) {
            return null;
        }
    }
}
