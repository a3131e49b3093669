package dev.llmfleet.loadtest.steps;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LedgerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Test
    void aStagesLedgerFiguresAreTheDifferenceOfTwoReadingsByLane() throws Exception {
        Ledger.Reading before = Ledger.parse(MAPPER.readTree("""
                {"window":"30d","total_usd":1.5,"requests":1000,"groups":[
                 {"lane":"async","total_usd":1.000000001,"requests":600,"cache_hits":0},
                 {"lane":"interactive","total_usd":0.499999999,"requests":400,"cache_hits":100}]}"""));
        Ledger.Reading after = Ledger.parse(MAPPER.readTree("""
                {"window":"30d","groups":[
                 {"lane":"interactive","total_usd":0.800000002,"requests":700,"cache_hits":160},
                 {"lane":"async","total_usd":1.000000001,"requests":600,"cache_hits":0},
                 {"lane":"batch","total_usd":0.1,"requests":3,"cache_hits":0}]}"""));

        Ledger.Reading stage = after.since(before);

        Ledger.Totals interactive = stage.lane("interactive");
        assertThat(interactive.usd()).isEqualByComparingTo("0.300000003");
        assertThat(interactive.requests()).isEqualTo(300);
        assertThat(interactive.costPerRequest()).as("to the nano-dollar, as billing rounds").isEqualByComparingTo("0.001");
        assertThat(interactive.cacheHitRatio()).isEqualTo(0.2);
        assertThat(stage.lane("async").costPerRequest()).as("no requests in the stage, no figure").isNull();
        assertThat(stage.lane("batch").requests()).as("a lane new since the first reading counts whole").isEqualTo(3);
        assertThat(stage.lane("nothing").requests()).isZero();
    }
}
