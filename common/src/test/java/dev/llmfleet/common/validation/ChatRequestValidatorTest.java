package dev.llmfleet.common.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.TestConfig;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.config.FleetConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ChatRequestValidatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FleetConfig config = TestConfig.fleet();
    private final ChatRequestValidator validator = new ChatRequestValidator(config);

    private ChatRequest validate(String body, String feature) throws IOException {
        return validator.validate(JSON.readTree(body), config.features().get(feature));
    }

    private FleetException refusal(String body) {
        return catchThrowableOfType(FleetException.class, () -> validate(body, "default"));
    }

    @Test
    void everyLineOfTheMixedWorkloadIsJudgedAsExpected() throws IOException {
        Path workload = Path.of(System.getProperty("workloads.dir", "../workloads"), "mixed-v1.jsonl");
        List<String> lines = Files.readAllLines(workload);
        int rejected = 0;
        for (String line : lines) {
            JsonNode entry = JSON.readTree(line);
            FleetConfig.Feature feature = config.features().get(entry.get("feature").asText());
            if (entry.get("expect").asText().equals("reject")) {
                FleetException e = catchThrowableOfType(FleetException.class, () -> validator.validate(entry.get("request"), feature));
                assertThat(e).as(entry.get("id").asText()).isNotNull();
                assertThat(e.status()).as(entry.get("id").asText()).isBetween(400, 499);
                rejected++;
            } else {
                validator.validate(entry.get("request"), feature);
            }
        }
        assertThat(rejected).isEqualTo(44);
    }

    @Test
    void refusalsNameTheProblemWithTheRightStatus() {
        assertThat(refusal("{\"model\":\"nonexistent/model-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .satisfies(e -> assertThat(e.status()).isEqualTo(404)).satisfies(e -> assertThat(e.code()).isEqualTo("model_not_found"));
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}").code()).isEqualTo("invalid_role");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":42}]}").code()).isEqualTo("invalid_content");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[]}").code()).isEqualTo("invalid_messages");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a\\udc00b\"}]}"))
                .satisfies(e -> assertThat(e.code()).isEqualTo("invalid_unicode")).satisfies(e -> assertThat(e.param()).isEqualTo("messages"));
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ok \\ud83d\\ude00\"}],"
                + "\"stop\":[\"\\ud83d\"]}").param()).isEqualTo("stop");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}").code()).isEqualTo("invalid_max_tokens");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-5}").code()).isEqualTo("invalid_max_tokens");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[]}").code()).isEqualTo("unsupported_parameter");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}").code()).isEqualTo("invalid_content");
        assertThat(refusal("[1,2]").code()).isEqualTo("invalid_body");
    }

    @Test
    void refusalsNameTheirFieldAsParam() {
        assertThat(refusal("{\"model\":\"nonexistent/model-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").param()).isEqualTo("model");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}").param()).isEqualTo("messages");
        assertThat(refusal("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_completion_tokens\":0}").param())
                .isEqualTo("max_completion_tokens");
        // the forwarded fields are RequestParameters' rules, applied before anything else
        FleetException stop = refusal("{\"model\":\"nonexistent/model-x\",\"messages\":[],\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}");
        assertThat(stop.param()).isEqualTo("stop");
        assertThat(stop.code()).isEqualTo("invalid_stop");
    }

    @Test
    void maxTokensIsCappedByTheFeatureAndDefaultsWhenAbsent() throws IOException {
        String body = "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4000}";
        assertThat(validate(body, "ticket-classify").maxTokens()).isEqualTo(32);
        assertThat(validate("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "default").maxTokens()).isEqualTo(512);
    }

    @Test
    void textPartsAreJoinedAndSamplingIsKept() throws IOException {
        ChatRequest request = validate("{\"model\":\"openai/gpt-4o\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]}", "default");
        assertThat(request.messages().get(0).content()).isEqualTo("ab");
        assertThat(request.temperature()).isZero();
        assertThatThrownBy(() -> validate("{\"model\":\"openai/gpt-4o\",\"temperature\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "default"))
                .isInstanceOf(FleetException.class);
    }
}
