package io.tollgate.gateway.routing;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Aliases: a model name that stands for an ordered list of deployments, the first that answers wins. */
@Component
class ModelAliases {
    private final JdbcClient jdbc;
    private final LoadingCache<String, List<Target>> targets;

    public ModelAliases(JdbcClient jdbc) {
        this.jdbc = jdbc;
        this.targets = Caffeine.newBuilder()
                .maximumSize(10_000)
                .refreshAfterWrite(Duration.ofSeconds(5))
                .expireAfterWrite(Duration.ofMinutes(1))
                .build(this::load);
    }

    public record Target(String provider, String model) {
    }

    public List<Target> targets(String alias) {
        return targets.get(alias);
    }

    @Transactional
    public List<Target> set(String alias, List<Target> deployments, String actor) {
        // Two admins setting one alias at once would both delete and then collide inserting position 0.
        jdbc.sql("select pg_advisory_xact_lock(hashtext('tollgate.alias'), hashtext(?))").param(alias).query().singleRow();
        jdbc.sql("delete from gateway.model_aliases where alias = ?").param(alias).update();
        for (int position = 0; position < deployments.size(); position++) {
            Target target = deployments.get(position);
            jdbc.sql("insert into gateway.model_aliases (alias, position, provider, model, updated_by) values (?, ?, ?, ?, ?)")
                    .params(alias, position, target.provider(), target.model(), actor)
                    .update();
        }
        targets.invalidate(alias);
        return List.copyOf(deployments);
    }

    @Transactional
    public boolean delete(String alias) {
        int removed = jdbc.sql("delete from gateway.model_aliases where alias = ?").param(alias).update();
        targets.invalidate(alias);
        return removed > 0;
    }

    public Map<String, List<Target>> all() {
        Map<String, List<Target>> all = new LinkedHashMap<>();
        jdbc.sql("select alias, provider, model from gateway.model_aliases order by alias, position")
                .query(rs -> {
                    all.computeIfAbsent(rs.getString("alias"), a -> new ArrayList<>())
                            .add(new Target(rs.getString("provider"), rs.getString("model")));
                });
        return all;
    }

    private List<Target> load(String alias) {
        return jdbc.sql("select provider, model from gateway.model_aliases where alias = ? order by position")
                .param(alias)
                .query((rs, row) -> new Target(rs.getString("provider"), rs.getString("model")))
                .list();
    }
}
