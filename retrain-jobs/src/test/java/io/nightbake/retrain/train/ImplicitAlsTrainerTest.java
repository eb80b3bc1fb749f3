package io.nightbake.retrain.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.tenant.TenantId;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ImplicitAlsTrainerTest {

    /** Two groups of customers, each taking its own group's products; one customer of group A misses product a3. */
    private static TenantDataset twoGroups() {
        TenantDataset.Builder b = TenantDataset.builder(TenantId.of("groups"));
        for (int p = 0; p < 4; p++) {
            b.addProduct("a" + p, true, "x");
            b.addProduct("b" + p, true, "y");
        }
        long t = 0;
        for (int c = 0; c < 8; c++) {
            for (int p = 0; p < 4; p++) {
                if (c == 0 && p == 3) {
                    continue;
                }
                b.addInteraction("ca" + c, "a" + p, 4, t++, "rating");
                b.addInteraction("cb" + c, "b" + p, 4, t++, "rating");
            }
        }
        return b.build();
    }

    @Test
    void learnsWhoTakesWhatAndIsDeterministicForASeed() {
        TenantDataset data = twoGroups();
        int[] rows = IntStream.range(0, data.interactionCount()).toArray();
        ImplicitAlsTrainer trainer = new ImplicitAlsTrainer(2, 10, 1.0, 5, 3, 1);
        FactorizationMachine model = trainer.train(data, null, rows);
        Map<String, Integer> index = model.featureIndex();
        double missed = model.predict(index.get("customer=ca0"), index.get("product=a3"));
        double otherGroup = model.predict(index.get("customer=ca0"), index.get("product=b3"));
        // rank 2 cannot memorise the one missing pair: the group's pattern fills it in
        assertThat(missed).isGreaterThan(0.3).isGreaterThan(otherGroup + 0.3);
        assertThat(model.bias()).isZero();
        assertThat(model.weights()).containsOnly(0f);

        FactorizationMachine again = trainer.train(data, null, rows);
        assertThat(again.factors()).isEqualTo(model.factors());
        assertThat(new ImplicitAlsTrainer(2, 10, 1.0, 5, 3, 2).train(data, null, rows).factors())
                .isNotEqualTo(model.factors());
    }
}
