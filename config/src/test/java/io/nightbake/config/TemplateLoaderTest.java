package io.nightbake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateLoaderTest {

    @Test
    void shippedTemplateLoads() {
        TemplatePipeline template = TemplateLoader.loadDefault();
        assertThat(template.algorithm().name()).isEqualTo("tribuo-fm");
        assertThat(template.features()).contains(Feature.CUSTOMER_ID, Feature.PRODUCT_ID, Feature.CUSTOMER_REGION);
        assertThat(template.holdoutFraction()).isEqualTo(0.2);
        assertThat(template.gate().metric()).isEqualTo("rmse");
        assertThat(template.topK()).isEqualTo(20);
        assertThat(template.rules().excludePurchased()).isTrue();
        assertThat(template.rules().minScore()).isNull();
    }

    @Test
    void fileOverridesAndTenantRulesMergeOverTemplateRules(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, """
                name: retail
                version: 3
                algorithm: {name: tribuo-fm, factors: 16}
                rules:
                  blocked-categories: [tobacco]
                  min-score: 2.5
                tenants:
                  acme:
                    rules:
                      exclude-purchased: false
                """);
        TemplatePipeline template = TemplateLoader.load(file.toString());
        assertThat(template.reference()).isEqualTo("retail@3");
        assertThat(template.algorithm().factors()).isEqualTo(16);
        assertThat(template.algorithm().epochs()).isEqualTo(10);
        BusinessRules acme = template.rulesFor("acme");
        assertThat(acme.excludePurchased()).isFalse();
        assertThat(acme.blockedCategories()).isEqualTo(Set.of("tobacco"));
        assertThat(acme.minScore()).isEqualTo(2.5);
        assertThat(template.rulesFor("other").excludePurchased()).isTrue();
    }

    @Test
    void unknownAlgorithmNamesTheKeyAndAllowedValues() {
        assertThatThrownBy(() -> TemplateLoader.parse("algorithm: {name: xgboost}", "t.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'algorithm.name'")
                .hasMessageContaining("'xgboost'")
                .hasMessageContaining("allowed values: tribuo-fm");
    }

    @Test
    void unknownKeyIsRejected() {
        assertThatThrownBy(() -> TemplateLoader.parse("holdout: {fracton: 0.2}", "t.yaml"))
                .hasMessageContaining("unknown key 'holdout.fracton'")
                .hasMessageContaining("allowed keys: fraction");
    }

    @Test
    void outOfRangeAndWrongTypesAreRejected() {
        assertThatThrownBy(() -> TemplateLoader.parse("holdout: {fraction: 1.5}", "t.yaml"))
                .hasMessageContaining("'holdout.fraction'").hasMessageContaining("0.01..0.9");
        assertThatThrownBy(() -> TemplateLoader.parse("top-k: many", "t.yaml"))
                .hasMessageContaining("'top-k'").hasMessageContaining("not an integer");
        assertThatThrownBy(() -> TemplateLoader.parse("features: [customer_id, product_id, colour]", "t.yaml"))
                .hasMessageContaining("'features'").hasMessageContaining("colour").hasMessageContaining("customer.region");
        assertThatThrownBy(() -> TemplateLoader.parse("gate: {metric: mae}", "t.yaml"))
                .hasMessageContaining("'gate.metric'").hasMessageContaining("allowed values: rmse");
        assertThatThrownBy(() -> TemplateLoader.parse("tenants: {Bad/Id: {}}", "t.yaml"))
                .hasMessageContaining("tenants.Bad/Id");
    }

    @Test
    void missingFileIsAClearError() {
        assertThatThrownBy(() -> TemplateLoader.load("/nonexistent/template.yaml"))
                .hasMessageContaining("/nonexistent/template.yaml");
    }
}
