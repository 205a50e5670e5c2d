from gangplank_record.gangs import bundle_index, bundles_per_replica, gang_size, parse_gang_pg_name, rank_of

PG = "1c44512d1f7653500be95002c23201000000"


def test_a_gang_name_gives_its_id_index_and_deployment() -> None:
    gang = parse_gang_pg_name("SERVE_GANG::app_G_1_648e95c4", [("app", "G")])
    assert gang is not None
    assert (gang.gang_id, gang.gang_index, gang.app, gang.deployment) == ("648e95c4", 1, "app", "G")


def test_a_name_that_splits_two_ways_names_no_deployment() -> None:
    # app "a_b" + deployment "c" and app "a" + deployment "b_c" both make "a_b_c".
    gang = parse_gang_pg_name("SERVE_GANG::a_b_c_0_0f117f14", [("a_b", "c"), ("a", "b_c")])
    assert gang is not None
    assert (gang.gang_id, gang.app, gang.deployment) == ("0f117f14", None, None)


def test_names_that_are_not_gangs() -> None:
    assert parse_gang_pg_name("my_pg", [("app", "G")]) is None
    assert parse_gang_pg_name(None, []) is None
    assert parse_gang_pg_name("SERVE_GANG::app_G_x_648e95c4", [("app", "G")]) is None


def test_the_bundle_is_read_from_the_required_resources() -> None:
    resources = {
        f"bundle_group_1_{PG}": 0.001,
        f"CPU_group_1_{PG}": 1.0,
        f"CPU_group_{PG}": 1.0,
        f"bundle_group_{PG}": 0.001,
    }
    assert bundle_index(resources, PG) == 1
    assert bundle_index(resources, "another") is None
    assert bundle_index({f"CPU_group_{PG}": 1.0}, PG) is None  # "any bundle": no rank to read
    assert bundle_index(None, PG) is None


def test_rank_follows_ray_2_60_placement() -> None:
    assert rank_of(3, 1) == 3
    assert rank_of(4, 2) == 2
    assert rank_of(3, 2) is None  # not a member's first bundle
    assert rank_of(None, 1) is None
    assert bundles_per_replica({"placement_group_bundles": [{"CPU": 1}, {"GPU": 1}]}) == 2
    assert bundles_per_replica({}) == 1
    assert gang_size({"gang_scheduling_config": {"gang_size": 2}}) == 2
    assert gang_size({"gang_scheduling_config": None}) is None
