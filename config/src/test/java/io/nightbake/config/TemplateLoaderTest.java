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
        // biased-mf became the default by measurement (MovieLens-100K u1..u5 mean RMSE 0.912 vs tribuo-fm 0.949 on u1)
        assertThat(template.algorithm().name()).isEqualTo("biased-mf");
        assertThat(template.algorithm().factors()).isEqualTo(100);
        assertThat(template.evaluation().k()).isEqualTo(10);
        assertThat(template.minTrainingRows()).isEqualTo(200);
        assertThat(template.gate().pairedTest()).isEqualTo("none");
        assertThat(template.gate().lowerIsBetter()).isTrue();
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
    void biasedMfAndTribuoFmHaveTheirOwnKeysAndDefaults() {
        AlgorithmSettings mf = TemplateLoader.parse("algorithm: {name: biased-mf, regularization: 0.05, negative-samples: 3}",
                "t.yaml").algorithm();
        assertThat(mf.regularization()).isEqualTo(0.05);
        assertThat(mf.negativeSamples()).isEqualTo(3);
        assertThat(mf.epochs()).isEqualTo(25);
        assertThat(mf.hyperParameters()).containsKeys("regularization", "init-std").doesNotContainKey("init-variance");
        AlgorithmSettings fm = TemplateLoader.parse("algorithm: {name: tribuo-fm}", "t.yaml").algorithm();
        assertThat(fm.factors()).isEqualTo(8);
        assertThat(fm.hyperParameters()).containsKey("init-variance").doesNotContainKey("regularization");
        assertThat(TemplateLoader.parse("top-k: 5", "t.yaml").algorithm().name()).isEqualTo("biased-mf");

        assertThatThrownBy(() -> TemplateLoader.parse("algorithm: {name: tribuo-fm, regularization: 0.1}", "t.yaml"))
                .hasMessageContaining("'algorithm.regularization'").hasMessageContaining("tribuo-fm")
                .hasMessageContaining("allowed keys: epochs, factors, init-variance");
        assertThatThrownBy(() -> TemplateLoader.parse("algorithm: {name: biased-mf, init-variance: 0.1}", "t.yaml"))
                .hasMessageContaining("'algorithm.init-variance'").hasMessageContaining("biased-mf");
        assertThatThrownBy(() -> TemplateLoader.parse("algorithm: {name: biased-mf, regularization: -1}", "t.yaml"))
                .hasMessageContaining("'algorithm.regularization'").hasMessageContaining("0.0..10.0");
        assertThatThrownBy(() -> TemplateLoader.parse("algorithm: {name: als}", "t.yaml"))
                .hasMessageContaining("allowed values: tribuo-fm, biased-mf");
    }

    @Test
    void gateEvaluationAndSmallTenantSettings() {
        TemplatePipeline t = TemplateLoader.parse("""
                gate: {metric: ndcg, promotion-margin: 0.02, margin-type: relative, paired-test: bootstrap, confidence: 0.9}
                evaluation: {k: 5, relevant-rating: 3.5}
                min-training-rows: 50
                """, "t.yaml");
        assertThat(t.gate()).isEqualTo(new GateSettings("ndcg", 0.02, "relative", "bootstrap", 0.9, 1000));
        assertThat(t.gate().lowerIsBetter()).isFalse();
        assertThat(t.evaluation()).isEqualTo(new EvaluationSettings(5, 3.5));
        assertThat(t.minTrainingRows()).isEqualTo(50);
        assertThatThrownBy(() -> TemplateLoader.parse("gate: {metric: auc}", "t.yaml"))
                .hasMessageContaining("'gate.metric'").hasMessageContaining("allowed values: rmse, ndcg, precision");
        assertThatThrownBy(() -> TemplateLoader.parse("gate: {paired-test: wilcoxon}", "t.yaml"))
                .hasMessageContaining("'gate.paired-test'").hasMessageContaining("none, bootstrap, t-test");
        assertThatThrownBy(() -> TemplateLoader.parse("gate: {margin-type: percent}", "t.yaml"))
                .hasMessageContaining("'gate.margin-type'").hasMessageContaining("absolute, relative");
        assertThatThrownBy(() -> TemplateLoader.parse("min-training-rows: -1", "t.yaml"))
                .hasMessageContaining("'min-training-rows'");
    }

    @Test
    void implicitFeedbackSettingsAreLaidOverTheMainOnes() {
        TemplatePipeline shipped = TemplateLoader.loadDefault();
        assertThat(shipped.algorithmFor(false)).isSameAs(shipped.algorithm());
        assertThat(shipped.algorithmFor(true).negativeSamples()).isEqualTo(8);
        assertThat(shipped.algorithmFor(true).learningRate()).as("inherited").isEqualTo(shipped.algorithm().learningRate());
        assertThat(shipped.gateFor(true).metric()).isEqualTo("ndcg");
        assertThat(shipped.gateFor(true).promotionMargin()).as("inherited").isEqualTo(shipped.gate().promotionMargin());

        TemplatePipeline t = TemplateLoader.parse("""
                algorithm: {name: biased-mf, factors: 20, seed: 3}
                gate: {promotion-margin: 0.01}
                implicit-feedback:
                  algorithm: {negative-samples: 2}
                """, "t.yaml");
        assertThat(t.implicitAlgorithm().factors()).isEqualTo(20);
        assertThat(t.implicitAlgorithm().seed()).isEqualTo(3);
        assertThat(t.implicitAlgorithm().negativeSamples()).isEqualTo(2);
        assertThat(t.implicitGate()).isEqualTo(t.gate());
        TemplatePipeline other = TemplateLoader.parse("implicit-feedback: {algorithm: {name: tribuo-fm}}", "t.yaml");
        assertThat(other.implicitAlgorithm().name()).isEqualTo("tribuo-fm");
        assertThat(other.implicitAlgorithm().factors()).as("tribuo-fm's own default, not inherited").isEqualTo(8);
        assertThatThrownBy(() -> TemplateLoader.parse("implicit-feedback: {algorithm: {negative-samples: -1}}", "t.yaml"))
                .hasMessageContaining("'implicit-feedback.algorithm.negative-samples'");
        assertThatThrownBy(() -> TemplateLoader.parse("implicit-feedback: {gate: {metric: mae}}", "t.yaml"))
                .hasMessageContaining("'implicit-feedback.gate.metric'");
        assertThatThrownBy(() -> TemplateLoader.parse("implicit-feedback: {top-k: 3}", "t.yaml"))
                .hasMessageContaining("unknown key 'implicit-feedback.top-k'");
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

    @Test
    void controlSectionDefaultsToManualAndReadsEveryKey() {
        assertThat(TemplateLoader.loadDefault().control().mode()).isEqualTo("manual");
        assertThat(TemplateLoader.parse("top-k: 5", "t.yaml").control()).isEqualTo(ControlSettings.DEFAULTS);
        ControlSettings control = TemplateLoader.parse("""
                control:
                  mode: bandit
                  kpi: conversion
                  baseline-share: 0.1
                  offline-gate-margin: 0.01
                  ab: {split: 0.3, alpha: 0.01, min-sample: 500, max-days: 7}
                  bandit: {discount: 0.8, exploration-floor: 0.1, promote-share: 0.85, promote-nights: 2,
                           retire-share: 0.15, retire-nights: 4}
                """, "t.yaml").control();
        assertThat(control.mode()).isEqualTo("bandit");
        assertThat(control.conversion()).isTrue();
        assertThat(control.baselineShare()).isEqualTo(0.1);
        assertThat(control.ab()).isEqualTo(new ControlSettings.Ab(0.3, 0.01, 500, 7));
        assertThat(control.bandit()).isEqualTo(new ControlSettings.Bandit(0.8, 0.1, 0.85, 2, 0.15, 4));
    }

    @Test
    void invalidControlSettingsNameTheKey() {
        assertThatThrownBy(() -> TemplateLoader.parse("control: {mode: thompson}", "t.yaml"))
                .hasMessageContaining("'control.mode'").hasMessageContaining("allowed values: manual, ab, bandit");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {kpi: revenue}", "t.yaml"))
                .hasMessageContaining("'control.kpi'").hasMessageContaining("click-through, conversion");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {ab: {alpha: 0.9}}", "t.yaml"))
                .hasMessageContaining("'control.ab.alpha'").hasMessageContaining("0.001..0.5");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {ab: {min-sample: 0}}", "t.yaml"))
                .hasMessageContaining("'control.ab.min-sample'");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {bandit: {discount: 1.5}}", "t.yaml"))
                .hasMessageContaining("'control.bandit.discount'");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {bandit: {exploration-floor: 0.3, promote-share: 0.9}}",
                "t.yaml")).hasMessageContaining("'control.bandit.promote-share'").hasMessageContaining("never be reached");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {bandit: {exploration-floor: 0.2, retire-share: 0.1}}",
                "t.yaml")).hasMessageContaining("'control.bandit.retire-share'");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {bandit: {promote-night: 3}}", "t.yaml"))
                .hasMessageContaining("unknown key 'control.bandit.promote-night'");
        assertThatThrownBy(() -> TemplateLoader.parse("control: {baseline-share: 0.7}", "t.yaml"))
                .hasMessageContaining("'control.baseline-share'");
    }

    /** Spark retrain tasks ship the template to executors: every part of it must serialize (a new section too). */
    @Test
    void theTemplateSerializesForSparkTasks() throws Exception {
        TemplatePipeline template = TemplateLoader.loadDefault();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(template);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(template);
        }
    }
}
