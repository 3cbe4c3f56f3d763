# Build stage: the project's own wrapper and pinned Maven, so the image builds what CI tests.
FROM eclipse-temurin:17.0.15_6-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml application.yml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17.0.15_6-jre
RUN useradd --system --uid 10001 interrupt-hub
WORKDIR /app
COPY --from=build /src/target/interrupt-hub-*-exec.jar /tmp/interrupt-hub.jar
# Class-data sharing, the way Spring Boot documents it for Java 17: the jar extracted (application jar plus
# lib/), then one training start that stops once the context is refreshed and leaves the classes it loaded in
# application.jsa. Starting with that archive halves start-up (docs/BENCHMARKS.md, "Start-up"). The archive
# belongs to this exact JVM, which is why it is made here, in the runtime image; if it ever does not match,
# the JVM starts without it.
RUN java -Djarmode=tools -jar /tmp/interrupt-hub.jar extract --destination /app \
 && rm /tmp/interrupt-hub.jar \
 && java -XX:MaxRAMPercentage=75 -XX:ArchiveClassesAtExit=/app/application.jsa -Dspring.context.exit=onRefresh \
      -jar /app/interrupt-hub.jar
USER interrupt-hub
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:SharedArchiveFile=/app/application.jsa", "-jar", "/app/interrupt-hub.jar"]
