package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.loadtest.LoadTestMain;
import dev.llmfleet.localstack.Fleet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code loadtest steps} (what {@code ./fleet steps} runs) against the packaged platform: two short stages, both lanes. */
class StepsTest {
    @Test
    void twoShortStagesGiveAVerdictWithTheLedgersCostPerRequestBesideTheHeaders(@TempDir Path dir) throws Exception {
        Fleet fleet = FleetHarness.shared();
        Simulator sim = FleetHarness.simulator(fleet);
        sim.reset();
        sim.configure(Simulator.NORMAL);
        Map<String, String> env = fleet.envFile();
        Path json = dir.resolve("steps.json");
        Path workload = Path.of(System.getProperty("workloads.dir", "../workloads"), "mixed-v1.jsonl");

        int exit = LoadTestMain.commandLine().execute("steps", "--base-url", env.get("FLEET_INTAKE_URL"),
                "--billing-url", env.get("FLEET_BILLING_URL"), "--worker-url", env.get("FLEET_WORKER_URL"),
                "--kafka", env.get("KAFKA_BOOTSTRAP_SERVERS"), "--api-key", env.get("FLEET_API_KEY"), "--workload", workload.toString(),
                "--lane", "both", "--stages", "20,40", "--stage-seconds", "5", "--keep-going", "--json", json.toString());

        JsonNode report = Http.JSON.readTree(json.toFile());
        JsonNode verdict = report.get("verdict");
        assertThat(exit).as(verdict.toPrettyString()).isIn(0, 3, 4).isEqualTo(verdict.get("exit_code").asInt());
        assertThat(verdict.get("summary").asText()).isNotBlank();
        assertThat(verdict.get("stages_run").asInt()).isEqualTo(2);
        if (exit == 0) {
            assertThat(verdict.get("highest_held").asInt()).isEqualTo(2);
        } else {
            assertThat(verdict.get("first_broken").asInt()).isBetween(1, 2);
            assertThat(verdict.get("first_broken_by")).isNotEmpty();
        }
        assertThat(report.get("steps")).hasSize(2);
        for (JsonNode step : report.get("steps")) {
            JsonNode interactive = lane(step, "interactive");
            JsonNode requests = interactive.get("requests");
            assertThat(requests.get("sent").asLong()).isPositive();
            assertThat(requests.get("ok").asLong()).as(requests.toPrettyString()).isPositive();
            JsonNode ledger = interactive.get("ledger");
            assertThat(ledger.get("caught_up").asBoolean()).as(ledger.toPrettyString()).isTrue();
            assertThat(ledger.get("requests").asLong()).isGreaterThanOrEqualTo(requests.get("ok").asLong());
            BigDecimal fromLedger = ledger.get("cost_per_request").decimalValue();
            BigDecimal fromHeaders = requests.get("charged_usd_per_request").decimalValue();
            assertThat(fromLedger).as("the ledger's cost per request is there").isNotNull();
            if (requests.get("errors").asLong() == 0) {
                assertThat(ledger.get("usd").decimalValue()).as("billing charged what the headers said")
                        .isEqualByComparingTo(requests.get("charged_usd").decimalValue());
                assertThat(fromLedger.subtract(fromHeaders).abs()).isLessThanOrEqualTo(new BigDecimal("0.000000001"));
            }
            JsonNode async = lane(step, "async");
            assertThat(async.get("requests").get("ok").asLong()).as("jobs accepted").isPositive();
            assertThat(async.get("async").get("finished_per_second").isNumber()).isTrue();
        }
        Path chart = dir.resolve("steps.svg");
        assertThat(report.get("chart").asText()).isEqualTo("steps.svg");
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(chart.toFile());
        assertThat(Files.readString(chart)).contains("max p99 2000 ms", "Cost per request");
    }

    private static JsonNode lane(JsonNode step, String name) {
        for (JsonNode lane : step.get("lanes")) {
            if (lane.get("lane").asText().equals(name)) {
                return lane;
            }
        }
        throw new AssertionError("no " + name + " lane in " + step);
    }
}
