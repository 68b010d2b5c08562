//! TikTok targeting vocabulary: location ids for countries and the fixed age groups.
//!
//! TikTok targets places by location id (the GeoNames id of the country), not by ISO code, and
//! ages by fixed groups. Only countries listed here can be targeted; an unknown country is
//! refused rather than silently dropped, so an ad group never reaches fewer places than asked.

/// ISO 3166-1 alpha-2 code → TikTok location id (GeoNames country id).
const LOCATION_IDS: &[(&str, &str)] = &[
    ("AE", "290557"),
    ("AU", "2077456"),
    ("BR", "3469034"),
    ("CA", "6251999"),
    ("DE", "2921044"),
    ("ES", "2510769"),
    ("FR", "3017382"),
    ("GB", "2635167"),
    ("ID", "1643084"),
    ("IE", "2963597"),
    ("IN", "1269750"),
    ("IT", "3175395"),
    ("JP", "1861060"),
    ("KR", "1835841"),
    ("KW", "285570"),
    ("MX", "3996063"),
    ("NL", "2750405"),
    ("NZ", "2186224"),
    ("PH", "1694008"),
    ("PL", "798544"),
    ("SA", "102358"),
    ("SE", "2661886"),
    ("SG", "1880251"),
    ("TH", "1605651"),
    ("TR", "298795"),
    ("US", "6252001"),
    ("VN", "1562822"),
];

/// TikTok's age groups with their inclusive bounds.
const AGE_GROUPS: &[(&str, u8, u8)] = &[
    ("AGE_13_17", 13, 17),
    ("AGE_18_24", 18, 24),
    ("AGE_25_34", 25, 34),
    ("AGE_35_44", 35, 44),
    ("AGE_45_54", 45, 54),
    ("AGE_55_100", 55, 100),
];

/// The TikTok location id of a country, if TikTok targeting for it is known.
pub fn location_id(country: &str) -> Option<&'static str> {
    LOCATION_IDS.iter().find(|(code, _)| *code == country).map(|(_, id)| *id)
}

/// The age groups overlapping `[min, max]`; empty when neither bound is set (all ages).
pub fn age_groups(min: Option<u8>, max: Option<u8>) -> Vec<&'static str> {
    if min.is_none() && max.is_none() {
        return Vec::new();
    }
    let (min, max) = (min.unwrap_or(0), max.unwrap_or(u8::MAX));
    AGE_GROUPS.iter().filter(|(_, low, high)| *low <= max && *high >= min).map(|(name, _, _)| *name).collect()
}
