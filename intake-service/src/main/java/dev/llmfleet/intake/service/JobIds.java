package dev.llmfleet.intake.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Job ids are derived, never random: the same client key, or the same normalised input, always names the same
 * job, so a resubmission finds the first submission instead of paying twice.
 */
public final class JobIds {
    private static final Pattern SHAPE = Pattern.compile("job_[0-9a-f]{32}");

    private JobIds() {
    }

    /** The job of a client's {@code Idempotency-Key}, scoped by tenant. */
    public static String forKey(String tenant, String idempotencyKey) {
        return "job_" + sha256(tenant + '\u0000' + idempotencyKey).substring(0, 32);
    }

    /** The job of a normalised request ({@code AnswerKeys.cache}) of a feature: same input, same job. */
    public static String forInput(String tenant, String feature, String cacheKey) {
        return "job_" + sha256(tenant + '\u0000' + feature + '\u0000' + cacheKey).substring(0, 32);
    }

    /** Whether {@code id} can be a job id at all (anything else is answered 404 without a lookup). */
    public static boolean wellFormed(String id) {
        return id != null && SHAPE.matcher(id).matches();
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
