package dev.llmfleet.billing.service;

import dev.llmfleet.billing.service.LevelPolicy.Alarm;
import dev.llmfleet.billing.service.LevelPolicy.Inputs;
import dev.llmfleet.billing.service.LevelPolicy.Thresholds;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The alarms' state machine: an armed alarm fires once when its threshold is breached, then stays fired until
 * the value recovers above threshold × (1 + hysteresis), which re-arms it. Not thread-safe: one caller at a time.
 */
public final class AlarmBoard {
    private final Set<Alarm> fired = EnumSet.noneOf(Alarm.class);

    /** What one evaluation changed. */
    public record Changes(List<Alarm> fire, List<Alarm> rearm) {
    }

    /** Restores the fired alarms (from Redis, after a restart). */
    public void restore(Collection<Alarm> alreadyFired) {
        fired.clear();
        fired.addAll(alreadyFired);
    }

    public Changes evaluate(Thresholds t, Inputs in) {
        List<Alarm> fire = new ArrayList<>();
        List<Alarm> rearm = new ArrayList<>();
        for (Alarm alarm : Alarm.values()) {
            if (fired.contains(alarm)) {
                if (alarm.recovered(t, in)) {
                    fired.remove(alarm);
                    rearm.add(alarm);
                }
            } else if (alarm.breached(t, in)) {
                fired.add(alarm);
                fire.add(alarm);
            }
        }
        return new Changes(fire, rearm);
    }

    public Set<Alarm> fired() {
        return EnumSet.copyOf(fired.isEmpty() ? EnumSet.noneOf(Alarm.class) : fired);
    }
}
