package dev.llmfleet.loadtest;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** compare with more than two targets, extra headers on every request, and the stage hook around each stage. */
class LoadTestCompareTest {
    private HttpServer server;
    private final Queue<String> gatewayHeaders = new ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void threeTargetsEachComparedWithTheLastWithHeadersAndHookAroundEveryStage(@TempDir Path dir) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            gatewayHeaders.add(exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("x-portkey-provider"));
            byte[] body = "{\"choices\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        Path workload = dir.resolve("w.jsonl");
        Files.writeString(workload, "{\"id\":\"a\",\"lane\":\"interactive\",\"request\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
        Path hookLog = dir.resolve("hook.log");
        LoadOptions options = new LoadOptions();
        options.stages = "20x250ms,20x250ms";
        options.workload = workload;
        options.lane = "all";
        options.apiKey = "k";
        options.connections = 4;
        options.timeout = Duration.ofSeconds(5);
        options.keepAliveTimeout = Duration.ofSeconds(4);
        options.costCreepThresholdPercent = 10;
        options.json = dir.resolve("out.json");
        options.headers = List.of("x-portkey-provider: openai");
        options.stageHook = "echo \"$LOADTEST_STAGE_EVENT $LOADTEST_TARGET $LOADTEST_STAGE $LOADTEST_STAGE_LABEL ${LOADTEST_STAGE_OK:-}\" >> " + hookLog;
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exit = new LoadTest(options, List.of(Target.parse("a=" + base + "/a/v1"), Target.parse("b=" + base + "/b/v1"),
                Target.parse("direct=" + base + "/d/v1")), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())).run("compare");

        assertThat(exit).isZero();
        assertThat(gatewayHeaders).hasSize(3 * 2 * 5).allMatch(h -> h.endsWith(" openai"));
        assertThat(Files.readAllLines(hookLog)).containsExactly(
                "start a 1 20x250ms ", "end a 1 20x250ms 5", "start b 1 20x250ms ", "end b 1 20x250ms 5",
                "start direct 1 20x250ms ", "end direct 1 20x250ms 5",
                "start a 2 20x250ms ", "end a 2 20x250ms 5", "start b 2 20x250ms ", "end b 2 20x250ms 5",
                "start direct 2 20x250ms ", "end direct 2 20x250ms 5");
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("a vs direct (added latency").contains("b vs direct (added latency");
        String json = Files.readString(options.json);
        assertThat(json.split("\"through\" : \"a\"", -1)).hasSize(3);
        assertThat(json.split("\"through\" : \"b\"", -1)).hasSize(3);
    }

    @Test
    void aFailingHookStopsTheRun(@TempDir Path dir) throws Exception {
        Path workload = dir.resolve("w.jsonl");
        Files.writeString(workload, "{\"id\":\"a\",\"lane\":\"interactive\",\"request\":{\"model\":\"m\",\"messages\":[]}}\n");
        LoadOptions options = new LoadOptions();
        options.stages = "1x100ms";
        options.workload = workload;
        options.lane = "all";
        options.apiKey = "k";
        options.connections = 1;
        options.timeout = Duration.ofSeconds(1);
        options.keepAliveTimeout = Duration.ofSeconds(4);
        options.stageHook = "exit 3";
        assertThatThrownBy(() -> new LoadTest(options, List.of(Target.parse("a=http://127.0.0.1:9/v1")), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())).run("run")).hasMessageContaining("--stage-hook exited 3 at the start of stage 1 on a");
    }

    @Test
    void headersNeedANameAndAColon() {
        LoadOptions options = new LoadOptions();
        options.headers = List.of("x-a: 1", "X-B:two words ");
        assertThat(options.extraHeaders()).containsExactly(java.util.Map.entry("x-a", "1"), java.util.Map.entry("X-B", "two words"));
        options.headers = List.of("no colon");
        assertThatThrownBy(options::extraHeaders).hasMessageContaining("bad --header 'no colon'");
    }
}
