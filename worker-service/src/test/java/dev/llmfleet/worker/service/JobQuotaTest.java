package dev.llmfleet.worker.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.ApiKeyStore;
import dev.llmfleet.common.auth.KeyHasher;
import dev.llmfleet.common.auth.TenantSettings;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.common.jobs.Priority;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job runs under the budgets of the key that submitted it, looked up in the key store when it runs: over the key's
 * or its tenant's budget it fails with {@code insufficient_quota}, and a job whose key was revoked fails with
 * {@code invalid_api_key}, both before any provider call ({@link WorkerStack} has no provider: a call would end the job
 * as a failed attempt instead).
 */
@QuarkusTest
@WithTestResource(WorkerStack.class)
class JobQuotaTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Far below the worst case of any job here (a prompt and 8 completion tokens of gemini-2.0-flash). */
    private static final BigDecimal TINY = new BigDecimal("0.000001");

    @Inject
    JobRunner runner;
    @Inject
    JobStore jobs;
    @Inject
    ApiKeyStore keys;
    @Inject
    ObjectMapper mapper;

    private ApiKey key(String tenant, BigDecimal monthlyBudgetUsd) {
        ApiKey key = new ApiKey(KeyHasher.newId(), tenant, "job quota", List.of(), List.of(), null, null, null, monthlyBudgetUsd, Instant.now());
        keys.create(key).await().atMost(WAIT);
        return key;
    }

    /** Runs a job of {@code key} to its end here and answers its record. */
    private JobRecord run(ApiKey key) throws Exception {
        String id = UUID.randomUUID().toString();
        jobs.create(JobRecord.queued(id, Priority.NORMAL, "default", key.tenant(), Instant.now())).await().atMost(WAIT);
        ObjectNode body = mapper.createObjectNode().put("model", "google/gemini-2.0-flash").put("max_tokens", 8);
        body.putArray("messages").addObject().put("role", "user").put("content", "quota job " + id);
        String job = mapper.writeValueAsString(new JobRequested(JobRequested.SCHEMA_VERSION, id, key.tenant(), key.id(), "default",
                Priority.NORMAL, body, null, 0, null, Instant.now()));
        runner.run(job, id, "test").await().atMost(WAIT);
        return jobs.get(id).await().atMost(WAIT);
    }

    private static void assertFailedBeforeAnyCall(JobRecord record, String code) {
        assertThat(record.status()).isEqualTo(JobStatus.DEAD_LETTERED);
        assertThat(record.error()).startsWith(code + ":");
        assertThat(record.attempts()).as("no provider call").isZero();
        assertThat(new BigDecimal(record.chargedUsd())).isZero();
    }

    @Test
    void aJobOverItsKeysBudgetFailsWithInsufficientQuota() throws Exception {
        assertFailedBeforeAnyCall(run(key("jobs-" + UUID.randomUUID(), TINY)), "insufficient_quota");
    }

    @Test
    void aJobOverItsTenantsBudgetFailsWithInsufficientQuota() throws Exception {
        String tenant = "jobs-" + UUID.randomUUID();
        keys.saveTenant(new TenantSettings(tenant, TINY)).await().atMost(WAIT);
        JobRecord record = run(key(tenant, null));
        assertFailedBeforeAnyCall(record, "insufficient_quota");
        assertThat(record.error()).contains("tenant " + tenant);
    }

    @Test
    void aJobWhoseKeyWasRevokedFailsWithInvalidApiKey() throws Exception {
        ApiKey key = key("jobs-" + UUID.randomUUID(), null);
        assertThat(keys.delete(key.id()).await().atMost(WAIT)).isTrue();
        assertFailedBeforeAnyCall(run(key), "invalid_api_key");
    }
}
