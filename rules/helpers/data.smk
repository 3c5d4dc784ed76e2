# Helpers of the data rules (rules/data.smk): where each data set and model comes from, and what is prepared.


def data_source(dataset):
    """('hub'|'url'|'path'|'embedded', value) for a data set, as configured."""
    spec = config["data"][dataset]
    for kind in ("embedded", "hub", "url", "path"):
        if spec.get(kind):
            return kind, spec[kind]
    raise ValueError(f"config: data.{dataset}: give one of embedded, hub, url, path")


def raw_data(dataset):
    """What `prepare_data` reads for a data set: a generated folder, a hub snapshot, a download or a path."""
    kind, value = data_source(dataset)
    if kind == "embedded":
        return f"resources/embedded/{dataset}"
    if kind == "hub":
        return f"resources/hub/{dataset}"
    if kind == "url":
        return f"resources/downloads/{dataset}"
    return value


def prepared_splits(dataset):
    """The splits prepare_{dataset} writes: all of them but optional ones no evaluation set names."""
    return [
        split
        for split in dataset_splits(config, dataset)
        if split not in OPTIONAL_SPLITS.get(dataset, ()) or f"{dataset}/{split}" in EVAL_SETS
    ]


def model_location(name, embedded_dir):
    """Where a configured model lives: the embedded build, an existing directory, or a hub download (the name was
    checked while planning: nlirobust.config_checks.workflow_problem)."""
    name = str(name)
    if name in EMBEDDED_ENCODERS:
        return embedded_dir
    if Path(name).exists():
        return name
    return f"resources/models/hub/{hub_slug(name)}"


def hub_slug(model_id):
    return re.sub(r"[^A-Za-z0-9._-]", "--", model_id)


def pretrained_model(encoder):
    """Directory of the model an encoder's first stages start from (an embedded one: resources/models/<variant>)."""
    name = ENCODERS[encoder]["name_or_path"]
    return model_location(name, f"resources/models/{name}")


def embedded_max_length(variant):
    """The positions an embedded encoder is built with: the longest max_length of the encoders that use it."""
    return max(e["max_length"] for e in ENCODERS.values() if e["name_or_path"] == variant)


# Every hub model the workflow may download (the classifiers and the LLM), by the folder name it lands in.
HUB_MODELS = {
    hub_slug(name): name
    for name in [e["name_or_path"] for e in ENCODERS.values()] + ([LLM["model"]] if LLM else [])
    if re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", str(name)) and not Path(name).exists()
}
