package io.interrupthub;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/**
 * Conformance of the layering: core is plain Java, and dependencies point inward (reference → web → autoconfigure
 * → core, grpc → autoconfigure → core, cluster → autoconfigure → core); feature packages do not reach into each
 * other; only the service's own package knows the service's defaults; optional libraries are used only where their
 * auto-configuration is conditional on them.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.interrupthub");
    }

    @Test
    void coreImportsNothingOfSpringOrJackson() {
        noClasses()
                .that()
                .resideInAPackage("io.interrupthub.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.springframework..",
                        "tools.jackson..",
                        "com.fasterxml..",
                        "io.micrometer..",
                        "jakarta..",
                        "org.slf4j..")
                .because("core is plain Java, testable with new, usable from any framework")
                .check(classes);
    }

    @Test
    void theBroadcasterIsPlainJava() {
        noClasses()
                .that()
                .resideInAPackage("io.interrupthub.stream..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.springframework..",
                        "tools.jackson..",
                        "com.fasterxml..",
                        "io.micrometer..",
                        "jakarta..",
                        "org.slf4j..",
                        "io.grpc..",
                        "io.interrupthub.web..",
                        "io.interrupthub.grpc..")
                .because("one broadcaster serves the SSE and the gRPC streams and knows neither protocol")
                .check(classes);
    }

    @Test
    void dependenciesPointInward() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("reference")
                .definedBy("io.interrupthub.reference..")
                .layer("cluster")
                .definedBy("io.interrupthub.cluster..")
                .layer("web")
                .definedBy("io.interrupthub.web..")
                .layer("grpc")
                .definedBy("io.interrupthub.grpc..")
                .layer("autoconfigure")
                .definedBy("io.interrupthub.autoconfigure..")
                .layer("remote")
                .definedBy("io.interrupthub.remote..")
                .layer("core")
                .definedBy("io.interrupthub.core..")
                .layer("stream")
                .definedBy("io.interrupthub.stream..")
                .whereLayer("stream")
                .mayOnlyBeAccessedByLayers("web", "grpc")
                .whereLayer("reference")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("cluster")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("web")
                .mayOnlyBeAccessedByLayers("reference")
                .whereLayer("grpc")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("autoconfigure")
                .mayOnlyBeAccessedByLayers("web", "reference", "grpc", "cluster")
                .whereLayer("remote")
                .mayOnlyBeAccessedByLayers("autoconfigure")
                .whereLayer("core")
                .mayOnlyBeAccessedByLayers("autoconfigure", "web", "remote", "reference", "grpc", "cluster")
                .check(classes);
    }

    /** gRPC is an optional dependency: a class outside the grpc package that used it would break the plain library. */
    @Test
    void onlyTheGrpcPackageUsesGrpcOrProtobuf() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.interrupthub.grpc..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.grpc..", "com.google.protobuf..")
                .because(
                        "the library's gRPC dependencies are optional and its auto-configuration is conditional on them")
                .check(classes);
    }

    @Test
    void remoteWorkersNeedNoSpring() {
        noClasses()
                .that()
                .resideInAPackage("io.interrupthub.remote..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.springframework..")
                .check(classes);
    }

    @Test
    void theManagerAndItsValueTypesAreFinal() {
        classes()
                .that()
                .resideInAPackage("io.interrupthub.core..")
                .and()
                .areNotInterfaces()
                .and()
                .areNotEnums()
                .and()
                .areNotRecords()
                .and()
                .areTopLevelClasses()
                .should()
                .haveModifier(com.tngtech.archunit.core.domain.JavaModifier.FINAL)
                .check(classes);
    }

    @Test
    void controllersAreOnlyInTheWebFacingPackages() {
        classes()
                .that()
                .areAnnotatedWith(org.springframework.web.bind.annotation.RestController.class)
                .should()
                .resideInAnyPackage("io.interrupthub.web..", "io.interrupthub.reference..")
                .check(classes);
    }

    /** The library never sees the service: its defaults file and main class are the service's own. */
    @Test
    void onlyTheServicesOwnPackageKnowsTheServiceDefaults() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.interrupthub")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.interrupthub")
                .because("an application that embeds the library must get the library's defaults, not the service's")
                .check(classes);
    }

    /** Security is optional: only the API's security chain and its helpers may use it. */
    @Test
    void onlyTheApisSecurityChainUsesSpringSecurity() {
        noClasses()
                .that()
                .doNotHaveSimpleName("InterruptApiSecurity")
                .and()
                .doNotHaveSimpleName("ApiKeyFilter")
                .and()
                .doNotHaveSimpleName("ProblemRequestRejectedHandler")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework.security..")
                .because("an application that embeds the library does not get Spring Security from it")
                .check(classes);
    }

    /** Prometheus is the service's choice: the library binds its meters to whatever registry the host has. */
    @Test
    void noClassDependsOnAParticularMetricsRegistry() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.micrometer.prometheusmetrics..", "io.prometheus..")
                .check(classes);
    }

    /** One properties class per feature, enabled by the auto-configuration in its own package. */
    @Test
    void everyPropertiesClassIsEnabledByTheAutoConfigurationBesideIt() {
        java.util.List<String> strays = new java.util.ArrayList<>();
        for (com.tngtech.archunit.core.domain.JavaClass properties : classes) {
            if (!properties.isAnnotatedWith(
                    org.springframework.boot.context.properties.ConfigurationProperties.class)) {
                continue;
            }
            boolean enabledBeside = classes.stream()
                    .filter(type -> type.getPackageName().equals(properties.getPackageName()))
                    .filter(type ->
                            type.isAnnotatedWith(org.springframework.boot.autoconfigure.AutoConfiguration.class))
                    .map(type -> type.reflect()
                            .getAnnotation(
                                    org.springframework.boot.context.properties.EnableConfigurationProperties.class))
                    .filter(java.util.Objects::nonNull)
                    .anyMatch(enable -> java.util.Arrays.asList(enable.value()).contains(properties.reflect()));
            if (!enabledBeside || !properties.getSimpleName().endsWith("Properties")) {
                strays.add(properties.getName());
            }
        }
        org.assertj.core.api.Assertions.assertThat(strays).isEmpty();
    }
}
