//! Realistic Chinese names for generated companies and communities.

const CITIES: [&str; 10] = [
    "武汉", "江城", "荆楚", "楚天", "汉江", "东湖", "长江", "晴川", "黄鹤", "南湖",
];
const CORES: [&str; 24] = [
    "华庭",
    "锦绣",
    "金地",
    "百步亭",
    "万家",
    "安居",
    "惠民",
    "福星",
    "城建",
    "宏泰",
    "嘉园",
    "顺达",
    "和美",
    "康居",
    "永安",
    "恒信",
    "瑞祥",
    "兴业",
    "德润",
    "联投",
    "新城",
    "盛世",
    "同心",
    "红旗",
];
const COMPANY_SUFFIXES: [&str; 3] = ["物业服务有限公司", "物业管理有限公司", "物业集团有限公司"];
const ESTATE_WORDS: [&str; 24] = [
    "幸福", "阳光", "翠柳", "桂园", "梅苑", "丽岛", "江滩", "紫阳", "水岸", "枫林", "青山", "月湖",
    "钢花", "红钢", "建设", "民主", "工农", "团结", "光明", "友谊", "和平", "复兴", "长丰", "古田",
];
const ESTATE_SUFFIXES: [&str; 8] = ["花园", "小区", "家园", "新村", "公寓", "苑", "社区", "雅居"];
const PHASES: [&str; 5] = ["", "一期", "二期", "三期", "北区"];

fn pick<'a>(items: &'a [&'a str], r: u64) -> &'a str {
    let i = usize::try_from(r % u64::try_from(items.len()).unwrap_or(1)).unwrap_or(0);
    items.get(i).copied().unwrap_or("")
}

pub fn company_name(index: usize, next: &mut dyn FnMut() -> u64) -> String {
    let name = format!(
        "{}{}{}",
        pick(&CITIES, next()),
        pick(&CORES, next()),
        pick(&COMPANY_SUFFIXES, next())
    );
    // Beyond the 720 combinations, branch numbers keep names apart.
    if index < 240 {
        name
    } else {
        format!("{name}（{}）", index / 240)
    }
}

pub fn community_name(index: usize, next: &mut dyn FnMut() -> u64) -> String {
    let base = format!(
        "{}{}{}",
        pick(&ESTATE_WORDS, next()),
        pick(&ESTATE_SUFFIXES, next()),
        pick(&PHASES, next())
    );
    if index < 500 {
        base
    } else {
        format!("{base}{}号院", index / 500)
    }
}
