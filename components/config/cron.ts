// Validates schedules the way Kubernetes' CronJob controller parses them (robfig/cron standard parser:
// five fields, names for months and weekdays, or one of the @ descriptors; no seconds field).

const DESCRIPTORS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldRule {
    min: number;
    max: number;
    names?: string[];
    namesStart?: number;
}

const FIELDS: FieldRule[] = [
    { min: 0, max: 59 },
    { min: 0, max: 23 },
    { min: 1, max: 31 },
    { min: 1, max: 12, names: MONTHS, namesStart: 1 },
    { min: 0, max: 6, names: DAYS, namesStart: 0 },
];

function value(token: string, rule: FieldRule): number | undefined {
    if (/^\d+$/.test(token)) {
        return Number(token);
    }
    const i = rule.names?.indexOf(token.toLowerCase()) ?? -1;
    return i >= 0 ? i + (rule.namesStart ?? 0) : undefined;
}

function validPart(part: string, rule: FieldRule): boolean {
    const [range, step, ...rest] = part.split("/");
    if (rest.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) {
        return false;
    }
    if (range === "*" || range === "?") {
        return true;
    }
    const bounds = range.split("-");
    if (bounds.length > 2) {
        return false;
    }
    const nums = bounds.map((b) => value(b, rule));
    if (nums.some((n) => n === undefined || n < rule.min || n > rule.max)) {
        return false;
    }
    return nums.length === 1 || nums[0]! <= nums[1]!;
}

export function isValidCronSchedule(schedule: string): boolean {
    const s = schedule.trim();
    if (DESCRIPTORS.has(s)) {
        return true;
    }
    const fields = s.split(/\s+/);
    if (fields.length !== FIELDS.length) {
        return false;
    }
    return fields.every((field, i) => field.split(",").every((part) => validPart(part, FIELDS[i])));
}
