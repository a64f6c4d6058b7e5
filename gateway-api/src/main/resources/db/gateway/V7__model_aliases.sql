-- A model name clients may call without a provider prefix, resolved to deployments tried in order.
create table model_aliases (
    alias      text not null,
    position   int  not null check (position >= 0),
    provider   text not null references providers (name) on delete cascade,
    model      text not null,
    updated_by text,
    primary key (alias, position)
);
