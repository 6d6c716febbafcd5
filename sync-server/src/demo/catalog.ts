import type { Choice, ServiceAttribute, ServiceType } from '@fieldfix/shared';

/** The demo city's departments. */
export const DEPARTMENTS = [
  { id: 'streets', name: 'Streets' },
  { id: 'sanitation', name: 'Sanitation' },
  { id: 'forestry', name: 'Forestry' },
  { id: 'traffic', name: 'Traffic & Lighting' },
] as const;

const HOLD_REASONS: Choice[] = [
  { code: 'needs_material', label: 'Needs material' },
  { code: 'needs_equipment', label: 'Needs other equipment' },
  { code: 'blocked_access', label: 'Access blocked (parked car, gate)' },
  { code: 'weather', label: 'Weather' },
  { code: 'waiting_utility', label: 'Waiting for a utility company' },
  { code: 'unsafe', label: 'Unsafe to work now' },
];

/** FixMyStreet's "closed, not fixed" outcomes, which residents understand. */
const CLOSE_REASONS: Choice[] = [
  { code: 'duplicate', label: 'Duplicate of another case' },
  { code: 'not_city_responsibility', label: "Not the city's responsibility" },
  { code: 'cannot_locate', label: 'Cannot locate the problem' },
  { code: 'no_action_needed', label: 'No action needed' },
];

function list(
  code: string,
  description: string,
  values: [string, string][],
  required = true,
  order = 1,
): ServiceAttribute {
  return {
    code,
    description,
    datatype: 'singlevaluelist',
    required,
    variable: true,
    order,
    datatypeDescription: null,
    values: values.map(([key, name]) => ({ key, name })),
  };
}

function text(code: string, description: string, required = false, order = 2): ServiceAttribute {
  return {
    code,
    description,
    datatype: 'string',
    required,
    variable: true,
    order,
    datatypeDescription: null,
    values: [],
  };
}

type Def = Omit<ServiceType, 'holdReasons' | 'closeReasons'> & {
  /** What residents write, to make demo descriptions from. */
  complaints: string[];
};

export const SERVICE_TYPES: Def[] = [
  {
    code: 'POTHOLE',
    name: 'Pothole',
    group: 'Streets & sidewalks',
    departmentId: 'streets',
    icon: 'pothole',
    description: 'A hole or sunken patch in the road surface.',
    keywords: ['road', 'hole', 'asphalt'],
    attributes: [
      list('size', 'How big is it?', [
        ['small', 'Smaller than a dinner plate'],
        ['medium', 'Up to a car tyre'],
        ['large', 'Larger than a car tyre'],
      ]),
    ],
    photoRequiredOnFix: true,
    estimatedMinutes: 45,
    slaDays: 5,
    resolutionCodes: [
      { code: 'patched_cold', label: 'Patched (cold mix)' },
      { code: 'patched_hot', label: 'Patched (hot mix)' },
      { code: 'referred_resurfacing', label: 'Added to resurfacing plan' },
    ],
    complaints: [
      'Deep pothole in the right lane, cars swerve around it.',
      'Pothole at the crosswalk, filled with water after the rain.',
      'Several potholes in a row near the bus stop.',
      'Big hole by the curb, a cyclist nearly fell.',
    ],
  },
  {
    code: 'SIDEWALK',
    name: 'Damaged sidewalk',
    group: 'Streets & sidewalks',
    departmentId: 'streets',
    icon: 'sidewalk',
    description: 'Cracked, lifted or missing sidewalk slabs.',
    keywords: ['pavement', 'trip', 'curb'],
    attributes: [
      list('hazard', 'Is it a trip hazard?', [
        ['yes', 'Yes'],
        ['no', 'No'],
      ]),
    ],
    photoRequiredOnFix: false,
    estimatedMinutes: 120,
    slaDays: 30,
    resolutionCodes: [
      { code: 'ground_down', label: 'Lip ground down' },
      { code: 'slab_replaced', label: 'Slab replaced' },
      { code: 'temporary_ramp', label: 'Temporary ramp placed' },
    ],
    complaints: [
      'Lifted slab by the tree roots, my neighbour tripped.',
      'Sidewalk crumbling in front of the school.',
      'Missing curb ramp at the corner.',
    ],
  },
  {
    code: 'DEBRIS',
    name: 'Debris in the road',
    group: 'Streets & sidewalks',
    departmentId: 'streets',
    icon: 'debris',
    description: 'Objects or spilled material blocking a road or bike lane.',
    keywords: ['spill', 'blocked'],
    attributes: [],
    photoRequiredOnFix: false,
    estimatedMinutes: 30,
    slaDays: 2,
    resolutionCodes: [
      { code: 'removed', label: 'Removed' },
      { code: 'swept', label: 'Swept' },
    ],
    complaints: [
      'Gravel spilled across the bike lane.',
      'A mattress lying in the middle of the road.',
      'Broken glass all over the intersection.',
    ],
  },
  {
    code: 'MISSED_PICKUP',
    name: 'Missed trash pickup',
    group: 'Trash & recycling',
    departmentId: 'sanitation',
    icon: 'bin',
    description: 'A bin on the collection route was not emptied.',
    keywords: ['garbage', 'recycling', 'bin'],
    attributes: [
      list('bin', 'Which bin?', [
        ['trash', 'Trash'],
        ['recycling', 'Recycling'],
        ['yard', 'Yard waste'],
      ]),
    ],
    photoRequiredOnFix: false,
    estimatedMinutes: 20,
    slaDays: 2,
    resolutionCodes: [
      { code: 'collected', label: 'Collected' },
      { code: 'not_out', label: 'Bin was not out' },
    ],
    complaints: [
      'Our recycling was skipped again this week.',
      'Trash bins on the whole block were not picked up.',
      'Yard waste left at the curb since Monday.',
    ],
  },
  {
    code: 'DUMPING',
    name: 'Illegal dumping',
    group: 'Trash & recycling',
    departmentId: 'sanitation',
    icon: 'dumping',
    description: 'Furniture, tyres or rubbish dumped on public land.',
    keywords: ['fly-tipping', 'junk', 'tyres'],
    attributes: [
      list('kind', 'What was dumped?', [
        ['furniture', 'Furniture'],
        ['tyres', 'Tyres'],
        ['bags', 'Bags of rubbish'],
        ['construction', 'Building waste'],
      ]),
    ],
    photoRequiredOnFix: true,
    estimatedMinutes: 60,
    slaDays: 5,
    resolutionCodes: [
      { code: 'removed', label: 'Removed' },
      { code: 'removed_reported', label: 'Removed and reported to enforcement' },
    ],
    complaints: [
      'Someone left an old sofa and two tyres in the alley.',
      'Bags of rubbish dumped behind the playground.',
      'Construction debris dumped on the corner lot.',
    ],
  },
  {
    code: 'GRAFFITI',
    name: 'Graffiti',
    group: 'Trash & recycling',
    departmentId: 'sanitation',
    icon: 'graffiti',
    description: 'Graffiti on public property.',
    keywords: ['tag', 'paint', 'vandalism'],
    attributes: [
      list('offensive', 'Is it offensive?', [
        ['yes', 'Yes'],
        ['no', 'No'],
      ]),
      text('surface', 'What is it on (wall, sign, bench)?'),
    ],
    photoRequiredOnFix: true,
    estimatedMinutes: 45,
    slaDays: 7,
    resolutionCodes: [
      { code: 'painted_over', label: 'Painted over' },
      { code: 'pressure_washed', label: 'Pressure washed' },
      { code: 'private_property', label: 'Owner notified (private property)' },
    ],
    complaints: [
      'Tags sprayed all over the underpass wall.',
      'Offensive graffiti on the bus shelter.',
      'Graffiti on the library steps.',
    ],
  },
  {
    code: 'FALLEN_LIMB',
    name: 'Fallen tree limb',
    group: 'Trees',
    departmentId: 'forestry',
    icon: 'tree',
    description: 'A branch or tree down on a street, sidewalk or park path.',
    keywords: ['branch', 'storm', 'tree'],
    attributes: [
      list('blocking', 'Is it blocking the way?', [
        ['road', 'The road'],
        ['sidewalk', 'The sidewalk'],
        ['no', 'No'],
      ]),
    ],
    photoRequiredOnFix: false,
    estimatedMinutes: 60,
    slaDays: 3,
    resolutionCodes: [
      { code: 'cleared', label: 'Cleared' },
      { code: 'cleared_chipped', label: 'Cleared and chipped' },
    ],
    complaints: [
      'Large branch down across the sidewalk after the storm.',
      'Limb hanging over the road, looks ready to fall.',
      'Tree down in the park, path blocked.',
    ],
  },
  {
    code: 'TREE_TRIM',
    name: 'Tree trimming',
    group: 'Trees',
    departmentId: 'forestry',
    icon: 'tree',
    description: 'A street tree blocking signs, lights or clearance.',
    keywords: ['prune', 'branches'],
    attributes: [],
    photoRequiredOnFix: false,
    estimatedMinutes: 90,
    slaDays: 30,
    resolutionCodes: [
      { code: 'trimmed', label: 'Trimmed' },
      { code: 'scheduled_removal', label: 'Scheduled for removal' },
    ],
    complaints: [
      'Branches cover the stop sign.',
      'Tree blocks the streetlight, the corner is dark.',
      'Low branches over the sidewalk, hard to walk under.',
    ],
  },
  {
    code: 'STREETLIGHT',
    name: 'Streetlight out',
    group: 'Lights & signals',
    departmentId: 'traffic',
    icon: 'light',
    description: 'A streetlight that is out, flickering or on all day.',
    keywords: ['lamp', 'dark', 'light'],
    attributes: [
      text('pole', 'Pole number (on the tag), if you can see it'),
      list(
        'problem',
        'What is wrong?',
        [
          ['out', 'Out'],
          ['flickering', 'Flickering'],
          ['day_burner', 'On during the day'],
        ],
        true,
        1,
      ),
    ],
    photoRequiredOnFix: false,
    estimatedMinutes: 40,
    slaDays: 7,
    resolutionCodes: [
      { code: 'lamp_replaced', label: 'Lamp replaced' },
      { code: 'photocell_replaced', label: 'Photocell replaced' },
      { code: 'referred_utility', label: 'Referred to the power company' },
    ],
    complaints: [
      'Streetlight out on the corner, very dark at night.',
      'Light flickers on and off all night.',
      'Three lights out in a row on this block.',
    ],
  },
  {
    code: 'SIGNAL',
    name: 'Traffic signal problem',
    group: 'Lights & signals',
    departmentId: 'traffic',
    icon: 'signal',
    description: 'A traffic or pedestrian signal that is dark, stuck or damaged.',
    keywords: ['traffic light', 'walk signal'],
    attributes: [
      list('problem', 'What is wrong?', [
        ['dark', 'Dark'],
        ['stuck', 'Stuck on one colour'],
        ['ped_button', 'Walk button broken'],
        ['damaged', 'Damaged'],
      ]),
    ],
    photoRequiredOnFix: false,
    estimatedMinutes: 60,
    slaDays: 1,
    resolutionCodes: [
      { code: 'repaired', label: 'Repaired' },
      { code: 'retimed', label: 'Timing adjusted' },
      { code: 'part_ordered', label: 'Temporary fix, part ordered' },
    ],
    complaints: [
      'Walk button does nothing, the light never changes.',
      'Signal stuck on red for the side street.',
      'Signal head turned the wrong way after the wind.',
    ],
  },
  {
    code: 'SIGN',
    name: 'Damaged street sign',
    group: 'Lights & signals',
    departmentId: 'traffic',
    icon: 'sign',
    description: 'A missing, bent or unreadable traffic or street-name sign.',
    keywords: ['stop sign', 'street name'],
    attributes: [
      list('sign', 'Which sign?', [
        ['stop', 'Stop sign'],
        ['street_name', 'Street name'],
        ['speed', 'Speed limit'],
        ['other', 'Other'],
      ]),
    ],
    photoRequiredOnFix: false,
    estimatedMinutes: 30,
    slaDays: 10,
    resolutionCodes: [
      { code: 'replaced', label: 'Replaced' },
      { code: 'straightened', label: 'Straightened' },
      { code: 'cleaned', label: 'Cleaned' },
    ],
    complaints: [
      'Stop sign knocked over at the corner.',
      'Street name sign missing.',
      'Speed limit sign bent, cannot read it.',
    ],
  },
];

export function serviceTypes(): ServiceType[] {
  return SERVICE_TYPES.map(({ complaints: _c, ...t }) => ({
    ...t,
    holdReasons: HOLD_REASONS,
    closeReasons: CLOSE_REASONS,
  }));
}
