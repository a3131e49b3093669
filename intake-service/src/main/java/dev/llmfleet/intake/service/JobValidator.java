package dev.llmfleet.intake.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.validation.RequestTags;
import dev.llmfleet.common.cache.AnswerKeys;
import dev.llmfleet.common.config.Features;
import dev.llmfleet.common.jobs.CallbackUrls;
import dev.llmfleet.common.jobs.Priority;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.pipeline.PreparedRequest;
import dev.llmfleet.common.pipeline.RequestPreparer;
import dev.llmfleet.common.usage.UsageRecorder;
import dev.llmfleet.intake.config.JobsConfig;
import jakarta.enterprise.context.ApplicationScoped;


/**
 * Turns a job body (an OpenAI chat body plus {@code feature}, {@code priority}, {@code callback_url} and, for
 * batch lines, {@code idempotency_key}) into a {@link JobSubmission}, running every free check of the completion
 * pipeline: a job that would be refused at the provider is refused here, before it is stored or enqueued.
 * CPU work (tokenising): callers run large bodies on a worker thread.
 */
@ApplicationScoped
public class JobValidator {
    private final RequestPreparer preparer;
    private final JobsConfig jobs;
    private final UsageRecorder usage;
    private final Features features;

    public JobValidator(RequestPreparer preparer, JobsConfig jobs, UsageRecorder usage, Features features) {
        this.preparer = preparer;
        this.jobs = jobs;
        this.usage = usage;
        this.features = features;
    }

    /**
     * Validates one job body of the holder of {@code apiKey}; {@code headerFeature} and {@code headerKey} are the
     * request's {@code X-Fleet-Feature} and {@code Idempotency-Key} (either may be null). Throws a 4xx
     * {@link FleetException} (403 for a feature or model the key may not use); the body is consumed.
     */
    public JobSubmission validate(JsonNode body, String headerFeature, String headerKey, ApiKey apiKey) {
        String feature = features.defaultFeature();
        try {
            if (body == null || !body.isObject()) {
                throw FleetException.invalid("invalid_body", "A job must be a JSON object: an OpenAI chat body plus 'feature', 'priority' and 'callback_url'.");
            }
            ObjectNode request = (ObjectNode) body;
            feature = feature(request.remove("feature"), headerFeature);
            apiKey.checkFeature(feature);
            apiKey.checkModel(request.path("model").textValue());
            Priority priority = priority(request.remove("priority"));
            String callbackUrl = callbackUrl(request.remove("callback_url"));
            String key = idempotencyKey(request.remove("idempotency_key"), headerKey);
            JsonNode stream = request.get("stream");
            if (stream != null && stream.isBoolean() && stream.booleanValue()) {
                throw FleetException.invalidParameter("stream", "unsupported_parameter", "'stream' cannot be true for a job: its answer is read with GET /v1/jobs/{id}.");
            }
            PreparedRequest prepared = preparer.prepare(request, feature);
            String tenant = apiKey.tenant();
            String id = key != null ? JobIds.forKey(tenant, key) : JobIds.forInput(tenant, feature, AnswerKeys.cache(tenant, prepared.request()));
            return new JobSubmission(id, tenant, apiKey.id(), feature, priority, callbackUrl, request);
        } catch (FleetException e) {
            usage.rejected(Lane.ASYNC, feature, e.code());
            throw e;
        }
    }

    /** The {@code Idempotency-Key} header's rule, checked before anything else is read. */
    public static void checkIdempotencyKey(String key) {
        RequestTags.checkIdempotencyKey(key);
    }

    private String feature(JsonNode field, String header) {
        if (field != null && !field.isNull()) {
            if (!field.isTextual() || field.textValue().isBlank()) {
                throw FleetException.invalidParameter("feature", "invalid_feature", "'feature' must be 1-64 letters, digits, '.', '_' or '-'.");
            }
            return RequestTags.feature(field.textValue(), "feature", features);
        }
        return RequestTags.feature(header, RequestTags.FEATURE_HEADER, features);
    }

    private static Priority priority(JsonNode field) {
        if (field == null || field.isNull()) {
            return Priority.NORMAL;
        }
        return Priority.parse(field.isTextual() ? field.textValue() : null).orElseThrow(() ->
                FleetException.invalidParameter("priority", "invalid_priority", "'priority' must be one of \"high\", \"normal\" or \"bulk\"."));
    }

    private String callbackUrl(JsonNode field) {
        if (field == null || field.isNull()) {
            return null;
        }
        if (!field.isTextual() || field.textValue().length() > jobs.maxCallbackUrlLength()) {
            throw FleetException.invalidParameter("callback_url", "invalid_callback_url",
                    "'callback_url' must be an absolute http(s) URL of at most " + jobs.maxCallbackUrlLength() + " characters.");
        }
        String url = field.textValue();
        if (!CallbackUrls.allowed(url, true)) {
            throw FleetException.invalidParameter("callback_url", "invalid_callback_url", "'callback_url' must be an absolute http or https URL.");
        }
        if (!CallbackUrls.allowed(url, jobs.allowPrivateCallbacks())) {
            throw FleetException.invalidParameter("callback_url", "invalid_callback_url",
                    "'callback_url' points at a loopback, private or link-local address; callbacks must reach a public host.");
        }
        return url;
    }

    private static String idempotencyKey(JsonNode field, String header) {
        checkIdempotencyKey(header);
        if (field == null || field.isNull()) {
            return header;
        }
        if (!field.isTextual() || !RequestTags.isIdempotencyKey(field.textValue())) {
            throw FleetException.invalidParameter("idempotency_key", "invalid_idempotency_key",
                    "'idempotency_key' must be a string of " + RequestTags.IDEMPOTENCY_KEY_RULE + ".");
        }
        if (header != null && !header.equals(field.textValue())) {
            throw FleetException.invalidParameter("idempotency_key", "invalid_idempotency_key", "The Idempotency-Key header and the 'idempotency_key' field differ.");
        }
        return field.textValue();
    }
}
