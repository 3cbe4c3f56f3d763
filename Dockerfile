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
COPY --from=build /src/target/interrupt-hub-*-exec.jar /app/interrupt-hub.jar
USER interrupt-hub
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/interrupt-hub.jar"]
