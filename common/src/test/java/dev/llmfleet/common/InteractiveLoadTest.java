package dev.llmfleet.common;

import dev.llmfleet.common.capacity.InteractiveLoad;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class InteractiveLoadTest {

    @Test
    void sumsOnlyInstancesHeardFromRecently() {
        long now = 1_000_000;
        Map<String, String> entries = Map.of(
                "a", InteractiveLoad.encode(5, now - 100),
                "b", InteractiveLoad.encode(3, now - InteractiveLoad.FRESH_MILLIS),
                "gone", InteractiveLoad.encode(40, now - InteractiveLoad.FRESH_MILLIS - 1),
                "junk", "x|y");
        assertThat(InteractiveLoad.total(entries, now)).isEqualTo(8);
    }
}
