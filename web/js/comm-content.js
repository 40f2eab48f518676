// comm-content.js - the "Customize Report Content" tree of a recipient
// (guide 5.3.2): every checkbox of ff_report_content, grouped as the
// guide groups them.
//
// A group's own flag (device_info, time_info, ...) says whether the group
// appears in a report at all, its children which fields it carries. The
// tree keeps them consistent the way the guide's tree does: ticking a
// group ticks all its fields, unticking it clears them, and a group is
// ticked while any of its fields is (shown half-ticked when only some are).
// The guide's "Network" group is for the cellular model's link data, which
// this device does not have, so it is not offered.
import {h} from './ui.js';

export const CONTENT_TREE = [
	['device_info', ['device_name', 'device_sn', 'device_mac', 'ip_address', 'cus_device_id',
		'cus_site_id', 'running_time', 'firmware_version', 'hardware_version']],
	['time_info', ['trigger_time', 'start_time', 'end_time', 'time_zone', 'dst_enable', 'dst_status']],
	['line_trigger_data', []],
	['region_trigger_data', ['region_count_data', 'dwell_time_data', 'dwell_start_time']],
	['line_periodic_data', []],
	['line_total_data', ['line_count_data', 'capacity_counted']],
	['region_periodic_data', []],
	['names', []],
	['uuids', []],
];

// A tree of checkboxes for content (a copy is edited); t translates
// "comm.content.KEY". Returns {el, value()}.
export function contentTree(content, t) {
	const value = {...content};
	const boxes = {};
	const groups = [];
	const box = key => {
		const input = h('input', {type: 'checkbox', checked: !!value[key], dataset: {content: key}});
		boxes[key] = input;
		return h('label', {class: 'check'}, input, h('span', {text: t(`comm.content.${key}`)}));
	};
	const root = h('ul', {class: 'comm-tree'});
	for (const [group, fields] of CONTENT_TREE) {
		const li = h('li', {}, box(group));
		if (fields.length)
			li.append(h('ul', {}, fields.map(f => h('li', {}, box(f)))));
		root.append(li);
		groups.push([group, fields]);
	}
	const sync = () => {
		for (const [group, fields] of groups) {
			if (!fields.length)
				continue;
			const on = fields.filter(f => boxes[f].checked).length;
			boxes[group].checked = on > 0;
			boxes[group].indeterminate = on > 0 && on < fields.length;
		}
	};
	root.addEventListener('change', ev => {
		const key = ev.target.dataset.content;
		const g = groups.find(([group]) => group === key);
		if (g)
			for (const f of g[1])
				boxes[f].checked = ev.target.checked;
		sync();
	});
	sync();
	return {
		el: root,
		value() {
			const out = {};
			for (const [k, input] of Object.entries(boxes))
				out[k] = input.checked;
			return out;
		},
	};
}
