package dev.llmfleet.common.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Makes API keys and their keyed hashes. A key is {@code fk_} and 32 random bytes (base64url, 43 characters); what is
 * stored is HMAC-SHA256(server secret, key), so a copy of Redis alone gives no usable key and no offline guessing.
 */
public final class KeyHasher {
    public static final String PREFIX = "fk_";
    private static final Pattern SHAPE = Pattern.compile("fk_[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Mac prototype;

    public KeyHasher(String secret) {
        if (secret == null || secret.length() < AuthConfig.MIN_SECRET_LENGTH) {
            throw new IllegalStateException("fleet.auth.key-secret (FLEET_KEY_SECRET) must be set to at least "
                    + AuthConfig.MIN_SECRET_LENGTH + " characters");
        }
        try {
            prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    /** A new random API key. */
    public static String newKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A new key id: public, short, random (so it says nothing about the key). */
    public static String newId() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return "key_" + HexFormat.of().formatHex(bytes);
    }

    /** Whether {@code token} has the shape of an API key; anything else is refused without a lookup. */
    public static boolean wellFormed(String token) {
        return token != null && SHAPE.matcher(token).matches();
    }

    /** The keyed hash of {@code key}, in hex. */
    public String hash(String key) {
        return HexFormat.of().formatHex(mac(key));
    }

    /** Whether two secrets are equal, in time that does not depend on where they differ (compared as keyed hashes). */
    public boolean same(String presented, String expected) {
        return MessageDigest.isEqual(mac(presented), mac(expected));
    }

    private byte[] mac(String text) {
        try {
            Mac mac = (Mac) prototype.clone();
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 is cloneable", e);
        }
    }
}
