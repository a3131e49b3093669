package dev.llmfleet.common.auth;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyHasherTest {
    private static final String SECRET = "a-server-secret-of-at-least-32-characters";

    @Test
    void keysAreRandomWellFormedAndCarryAtLeast32Bytes() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String key = KeyHasher.newKey();
            assertThat(KeyHasher.wellFormed(key)).isTrue();
            assertThat(key).startsWith("fk_").hasSize(3 + 43);
            keys.add(key);
        }
        assertThat(keys).hasSize(1000);
        assertThat(KeyHasher.newId()).matches("key_[0-9a-f]{16}");
    }

    @Test
    void anythingElseIsMalformed() {
        for (String token : List.of("", "fk_", "sk-abc", "fk_" + "a".repeat(42), "fk_" + "a".repeat(44), "fk_" + "a".repeat(42) + "!",
                "FK_" + "a".repeat(43), " fk_" + "a".repeat(43))) {
            assertThat(KeyHasher.wellFormed(token)).as(token).isFalse();
        }
        assertThat(KeyHasher.wellFormed(null)).isFalse();
    }

    @Test
    void theStoredHashIsKeyedBySecretSoAnotherSecretGivesAnotherHash() {
        String key = KeyHasher.newKey();
        KeyHasher one = new KeyHasher(SECRET);
        assertThat(one.hash(key)).isEqualTo(one.hash(key)).hasSize(64).doesNotContain(key.substring(3));
        assertThat(new KeyHasher(SECRET + "x").hash(key)).isNotEqualTo(one.hash(key));
        assertThat(one.same(key, key)).isTrue();
        assertThat(one.same(key, KeyHasher.newKey())).isFalse();
    }

    @Test
    void aMissingOrShortSecretIsRefused() {
        assertThatThrownBy(() -> new KeyHasher(null)).hasMessageContaining("FLEET_KEY_SECRET");
        assertThatThrownBy(() -> new KeyHasher("short")).hasMessageContaining("at least 32");
    }
}
