package dev.llmfleet.providersim.http;

import dev.llmfleet.localstack.testing.SdkCheck;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The official OpenAI Node SDK (sdk-check/ at the repository root) against the simulator. */
@QuarkusTest
class OpenAiSdkTest extends SimTestSupport {

    @TestHTTPResource("/v1")
    URL baseUrl;

    @Test
    void officialSdkTalksToTheSimulator() throws Exception {
        SdkCheck.Result check = SdkCheck.run(Path.of(".."), baseUrl.toString(), API_KEY);
        assertThat(check.passed()).as("sdk-check failed:%n%s", check.output()).isTrue();
        assertThat(totals().getLong("calls")).isEqualTo(2);
    }
}
