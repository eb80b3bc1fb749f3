package io.nightbake.serving.lean;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The listener's score text is Jackson's, for every kind of float: the lookup answers stay byte-identical. */
class LookupJsonScoreTest {

    private final JsonMapper jackson = new JsonMapper();
    private final StringBuilder number = new StringBuilder();

    @Test
    void scoresAreWrittenAsJacksonWritesThem() {
        float[] edges = {0f, -0f, 1f, -1f, 0.1f, 1e-3f, 9.999999e-4f, 1e7f, 9999999f, 1.0E-45f, Float.MIN_NORMAL,
                Float.MAX_VALUE, -Float.MAX_VALUE, 3.4028235e38f, 0.30000001f, Float.NaN, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY};
        for (float value : edges) {
            assertSame(value);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            assertSame(Float.intBitsToFloat(random.nextInt())); // every exponent and sign
            assertSame((float) random.nextDouble(-5, 5)); // what models score
        }
    }

    @Test
    void aScoreIsWrittenWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        ByteBuf out = Unpooled.buffer(64);
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 3; round++) { // the first round may allocate the JDK's per-thread digit buffer
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                out.clear();
                LookupJson.score(out, (float) random.nextDouble(-5, 5), number);
            }
            if (round > 0) {
                assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("bytes allocated for 10,000 scores")
                        .isLessThan(10_000);
            }
        }
    }

    private void assertSame(float value) {
        ByteBuf out = Unpooled.buffer(32);
        LookupJson.score(out, value, number);
        assertThat(out.toString(StandardCharsets.UTF_8)).as("bits %08x", Float.floatToRawIntBits(value))
                .isEqualTo(jackson.writeValueAsString(value));
    }
}
