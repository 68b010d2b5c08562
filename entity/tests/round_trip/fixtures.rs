//! Fully populated rows of every table, with fixed timestamps (whole seconds, so PostgreSQL's
//! microsecond precision keeps them equal).

use chrono::{DateTime, TimeZone, Utc};
use entity::{
    ad_sets, ads, ads_content, audit, campaign_authority, campaigns, content_containers, layers,
    organizations, pending_actions,
};
use serde_json::json;
use uuid::Uuid;

pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000 + seconds, 0).unwrap()
}

pub fn organization() -> organizations::Model {
    organizations::Model {
        id: Uuid::now_v7(),
        name: "Acme".into(),
        requires_approval: true,
        created_at: at(0),
    }
}

pub fn layer(org: Uuid) -> layers::Model {
    layers::Model {
        id: Uuid::now_v7(),
        organization_id: org,
        platform: "apple".into(),
        currency: "JPY".into(),
        default_creative: "off".into(),
        default_tactical: "draft".into(),
        default_structural: "auto".into(),
        max_daily_budget_cents: Some(9_000_000_000),
        kill_switch_active: true,
        kill_switch_tripped_at: Some(at(1)),
        kill_switch_tripped_by: Some("user-1".into()),
        kill_switch_reason: Some("incident".into()),
        ad_account_id: Some("act_1".into()),
        apple_org_id: Some("42".into()),
        apple_adam_id: Some("123456".into()),
        countries: Some(json!(["US", "GB"])),
        version: 3,
        created_at: at(0),
        updated_at: at(2),
    }
}

pub fn campaign(org: Uuid, layer: Uuid) -> campaigns::Model {
    campaigns::Model {
        id: Uuid::now_v7(),
        organization_id: org,
        layer_id: layer,
        platform: "apple".into(),
        name: "Launch".into(),
        outcome: "app_installs".into(),
        status: "paused".into(),
        daily_budget_cents: Some(5050),
        lifetime_budget_cents: None,
        bid_strategy: "max_cpt".into(),
        bid_amount_cents: Some(150),
        schedule_start: Some(at(10)),
        schedule_end: Some(at(20)),
        targeting: Some(json!({"age": [18, 65]})),
        platform_campaign_id: Some("c-1".into()),
        version: 2,
        created_at: at(0),
        updated_at: at(3),
    }
}

pub fn authority(org: Uuid, campaign: Uuid) -> campaign_authority::Model {
    campaign_authority::Model {
        campaign_id: campaign,
        organization_id: org,
        creative: "auto".into(),
        tactical: "draft".into(),
        structural: "off".into(),
        updated_by: Some("user-1".into()),
        created_at: at(0),
        updated_at: at(1),
    }
}

pub fn ad_set(org: Uuid, campaign: Uuid) -> ad_sets::Model {
    ad_sets::Model {
        id: Uuid::now_v7(),
        organization_id: org,
        campaign_id: campaign,
        name: "Group".into(),
        status: "active".into(),
        daily_budget_cents: Some(1000),
        targeting: Some(json!({"geo": "US"})),
        platform_ad_set_id: Some("g-1".into()),
        version: 1,
        created_at: at(0),
        updated_at: at(0),
    }
}

pub fn creative(org: Uuid, parent: Option<Uuid>) -> content_containers::Model {
    content_containers::Model {
        id: Uuid::now_v7(),
        organization_id: org,
        name: "Video".into(),
        status: "completed".into(),
        approval_status: "approved".into(),
        parent_id: parent,
        media_url: Some("https://cdn.example/v.mp4".into()),
        failure_reason: None,
        completed_at: Some(at(5)),
        created_at: at(0),
        updated_at: at(5),
    }
}

pub fn scoring(org: Uuid, creative: Uuid) -> ads_content::Model {
    ads_content::Model {
        id: Uuid::now_v7(),
        organization_id: org,
        content_container_id: creative,
        organic_score: 8.25,
        scoring_pool: "uploaded".into(),
        override_mode: Some("exclude".into()),
        flagged_reason: Some("review".into()),
        archived_at: Some(at(9)),
        created_at: at(0),
        updated_at: at(9),
    }
}

pub fn ad(set: &ad_sets::Model, creative: Uuid) -> ads::Model {
    ads::Model {
        id: Uuid::now_v7(),
        organization_id: set.organization_id,
        campaign_id: set.campaign_id,
        ad_set_id: set.id,
        content_container_id: Some(creative),
        name: "Ad".into(),
        status: "active".into(),
        platform_ad_id: Some("a-1".into()),
        version: 4,
        launched_at: Some(at(6)),
        created_at: at(0),
        updated_at: at(6),
    }
}

pub fn pending(camp: &campaigns::Model) -> pending_actions::Model {
    pending_actions::Model {
        id: Uuid::now_v7(),
        organization_id: camp.organization_id,
        layer_id: camp.layer_id,
        platform: "apple".into(),
        campaign_id: Some(camp.id),
        target_type: "campaign".into(),
        target_id: camp.id,
        kind: "campaign.budget".into(),
        axis: Some("tactical".into()),
        is_policy: false,
        before: json!({"dailyBudgetCents": 5050}),
        after: json!({"dailyBudgetCents": 7500}),
        target_version: Some(2),
        status: "rejected".into(),
        proposed_by_type: "partner".into(),
        proposed_by_id: "key-1".into(),
        proposed_by_key_id: Some(Uuid::now_v7()),
        verdict_id: Uuid::now_v7(),
        resolution_verdict_id: Some(Uuid::now_v7()),
        resolved_by_type: Some("customer".into()),
        resolved_by_id: Some("user-1".into()),
        resolution_reason: Some("too much".into()),
        resolved_at: Some(at(8)),
        expires_at: at(100),
        created_at: at(0),
        updated_at: at(8),
    }
}

pub fn audit_row(camp: &campaigns::Model) -> audit::Model {
    audit::Model {
        id: Uuid::now_v7(),
        organization_id: camp.organization_id,
        layer_id: Some(camp.layer_id),
        platform: Some("apple".into()),
        campaign_id: Some(Uuid::now_v7()),
        target_type: Some("campaign".into()),
        target_id: Some(camp.id),
        event: "ads.write.allowed".into(),
        action: "campaign.budget".into(),
        axis: Some("tactical".into()),
        decision: Some("allow".into()),
        reason: None,
        trace: json!(["tenancy:ok", "axis:auto"]),
        actor_type: "optimizer".into(),
        actor_id: "optimizer".into(),
        actor_organization_id: Some(camp.organization_id),
        actor_api_key_id: None,
        pending_action_id: None,
        request: Some(json!({"dailyBudgetCents": 7500})),
        dispatch_status: Some("succeeded".into()),
        dispatch: Some(json!({"platformId": "c-1"})),
        created_at: at(7),
    }
}
