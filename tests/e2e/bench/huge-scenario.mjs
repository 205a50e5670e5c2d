// The page benchmark's huge cluster (issue 14): 1,000 worker nodes and 10,000 replicas, imported through the page's
// normal import path (a scenario JSON given to the import picker). Generated here rather than checked in (the file
// would be ~200 KB of repeated node entries).
//
//   node tests/e2e/bench/huge-scenario.mjs > /tmp/huge.json     # then: gangplank-cli run /tmp/huge.json --stats
//
// 20 node groups of 50 (`ray.io/node-group` = rack-01 … rack-20, node ids r01-w001 …), 16 CPUs and 4 GPUs each.
// Five apps, each a gang deployment (250 gangs of 4, SPREAD or PACK, 1 CPU + 0.25 GPU a member) and a plain one
// (1,000 replicas of 1 CPU): 10 deployments of 1,000 (the validator's MAX_REPLICAS_PER_DEPLOYMENT) = 10,000
// replicas on 16,000 CPUs and 4,000 GPUs. At 20 s node r03-w007 dies.
import { fileURLToPath } from 'node:url';

export const HUGE_NODES = 1000;
export const HUGE_REPLICAS = 10000;
export const HUGE_GROUP_SIZE = 50;

/** The node id of worker `i` (0-based): its group's prefix and its index in the group. */
export function hugeNodeId(i) {
  const g = Math.floor(i / HUGE_GROUP_SIZE) + 1;
  const w = (i % HUGE_GROUP_SIZE) + 1;
  return `r${String(g).padStart(2, '0')}-w${String(w).padStart(3, '0')}`;
}

export function hugeScenario({ untilS = 60 } = {}) {
  const nodes = Array.from({ length: HUGE_NODES }, (_, i) => ({
    id: hugeNodeId(i),
    resources: { CPU: 16, GPU: 4 },
    labels: { 'ray.io/node-group': `rack-${String(Math.floor(i / HUGE_GROUP_SIZE) + 1).padStart(2, '0')}` },
  }));
  const apps = ['chat', 'embed', 'rank', 'vision', 'speech'].map((name, i) => ({
    name,
    deployments: [
      { name: 'Shard', num_replicas: 1000, ray_actor_options: { num_cpus: 1, num_gpus: 0.25 },
        gang_scheduling_config: { gang_size: 4, gang_placement_strategy: i % 2 ? 'PACK' : 'SPREAD' } },
      { name: 'Router', num_replicas: 1000, ray_actor_options: { num_cpus: 1 } },
    ],
  }));
  return {
    format: 'gangplank.scenario/v1',
    name: 'Huge cluster: 1,000 nodes, 10,000 replicas (page benchmark)',
    description: '20 racks of 50 workers (16 CPUs, 4 GPUs each). Five apps, each 250 gangs of 4 and 1,000 plain replicas. At 20 s node r03-w007 dies.',
    what_to_watch: 'The overview: one cell per node, gangs as glyphs. At 20 s node r03-w007 dies; its cell and the blast-radius summary say how many gangs it took down.',
    seed: 14,
    until_s: untilS,
    cluster: { head: { resources: { CPU: 0 } }, nodes },
    timing: { health_check_period_s: 2, health_check_timeout_s: 5, graceful_shutdown_timeout_s: 2, node_death_detection_s: 3 },
    applications: apps,
    actions: [{ at_s: 20, do: 'kill_node', node: hugeNodeId(2 * HUGE_GROUP_SIZE + 6) }],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(hugeScenario()) + '\n');
}
