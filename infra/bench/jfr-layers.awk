# Where the gateway's Java time goes, by layer: reads `jfr print --events jdk.ExecutionSample` and charges
# each sample to the innermost frame that belongs to a named layer, so that JDK code (collections, I/O,
# locks) counts toward the layer that called it. The Kafka producers' sender threads run only Kafka's and
# the JDK's code, so all of theirs is the Kafka client's. Prints each layer's share of the samples.
function layer_of(frame) {
  if (frame ~ /^org\.apache\.hc\./) return "provider call (Apache HttpClient 5)"
  if (frame ~ /^org\.apache\.kafka\./) return "Kafka client (producers)"
  if (frame ~ /^io\.tollgate\.ledger\.requests\./) return "request events, Tollgate's side (ledger.requests)"
  if (frame ~ /^io\.tollgate\.gateway\.metering\./) return "metering: leases, reserve, settle (gateway.metering)"
  if (frame ~ /^io\.tollgate\.ledger\./) return "ledger, other (lease commands, ledger.*)"
  if (frame ~ /^com\.fasterxml\.jackson\./) return "JSON (Jackson)"
  if (frame ~ /^(io\.micrometer|io\.opentelemetry)\./) return "metrics and tracing (Micrometer, OpenTelemetry)"
  if (frame ~ /^io\.tollgate\./) {
    split(frame, part, ".")
    return "Tollgate " part[3] "." part[4]
  }
  if (frame ~ /^org\.springframework\./) return "Spring (MVC, filters, context)"
  if (frame ~ /^(org\.apache\.(catalina|coyote|tomcat)|jakarta\.servlet)\./) return "Tomcat (HTTP server)"
  if (frame ~ /^(com\.zaxxer|org\.postgresql)\./) return "PostgreSQL client (Hikari, JDBC)"
  if (frame ~ /^org\.axonframework\./) return "Axon"
  return ""
}
/^jdk\.ExecutionSample/ { in_sample = 1; charged = ""; thread = ""; next }
in_sample && /sampledThread = / { thread = $0; next }
in_sample && /^}/ {
  if (charged == "") charged = (thread ~ /kafka-producer-network-thread/ ? layer_of("org.apache.kafka.") : "JDK only, or another library")
  samples[charged]++
  total++
  in_sample = 0
  next
}
in_sample && charged == "" && /^    [a-zA-Z]/ { sub(/^ +/, ""); charged = layer_of($0) }
END {
  if (total == 0) { print "no execution samples"; exit }
  for (layer in samples) printf "%6.1f %%  %s\n", 100 * samples[layer] / total, layer | "sort -rn"
  close("sort -rn")
  printf "(%d samples of running Java code; compiler, GC and VM threads are not sampled)\n", total
}
