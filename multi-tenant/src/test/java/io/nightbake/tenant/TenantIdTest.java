package io.nightbake.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TenantIdTest {

    /** The documented rule, as a regex: the hand-written check must agree with it on every input. */
    private static final Pattern RULE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    @Test
    void validityFollowsTheDocumentedRule() {
        String[] cases = {"a", "0", "tenant-001", "t_1", "-a", "_a", "A", "a.b", "a/b", "", "a b", "é", "a\u0000",
                "a".repeat(63), "a".repeat(64), "x-", "x_"};
        for (String value : cases) {
            assertThat(TenantId.isValid(value)).as(value).isEqualTo(RULE.matcher(value).matches());
        }
        assertThat(TenantId.isValid(null)).isFalse();
        String alphabet = "az09_-A.é/ \u0000";
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            StringBuilder value = new StringBuilder();
            int length = random.nextInt(66);
            for (int j = 0; j < length; j++) {
                value.append(random.nextInt(10) < 8 ? (char) ('a' + random.nextInt(26)) : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertThat(TenantId.isValid(value.toString())).as(value.toString()).isEqualTo(RULE.matcher(value).matches());
        }
    }

    @Test
    void anInvalidIdIsRefusedWithTheRule() {
        assertThatThrownBy(() -> TenantId.of("Bad/Id")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid tenant id 'Bad/Id'").hasMessageContaining("[a-z0-9_-]");
        assertThat(TenantId.of("tenant-001").value()).isEqualTo("tenant-001");
    }
}
