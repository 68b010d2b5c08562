//! The demo organization: three layers, a few campaigns with ad sets, ads and creatives, pending
//! actions and audit rows, all created through the gate so the data is what real use produces.

use chrono::Utc;
use entity::organizations;
use uuid::Uuid;

use crate::domain::Platform;
use crate::domain::authority::{AuthorityBlock, AuthorityChange, AxisMode};
use crate::domain::campaign::{BidStrategy, Outcome};
use crate::domain::money::Budget;
use crate::domain::status::StatusAction;
use crate::platform::metrics::MetricsProfile;
use crate::service::optimizer::Trigger;
use crate::service::{AdWrite, Caller, LayerDefaultsChange, NewCampaign, Services, WriteResult};

/// A seeding failure.
pub type SeedError = Box<dyn std::error::Error + Send + Sync>;

/// Seeds a demo organization and returns it.
pub async fn seed_demo(services: &Services) -> Result<organizations::Model, SeedError> {
    let org = services.create_organization("Demo Co").await?;
    let customer = Caller::customer(org.id, "demo-user");
    for platform in Platform::ALL {
        set_defaults(services, &customer, platform, AxisMode::Auto, None).await?;
    }
    let spring = create(
        services,
        &customer,
        Platform::Meta,
        "Spring Sale",
        Budget::Daily(5_000),
        Outcome::Conversions,
        (AxisMode::Auto, AxisMode::Auto),
    )
    .await?;
    let retarget = create(
        services,
        &customer,
        Platform::Meta,
        "Retargeting",
        Budget::Daily(2_500),
        Outcome::Traffic,
        (AxisMode::Draft, AxisMode::Draft),
    )
    .await?;
    let launch = create(
        services,
        &customer,
        Platform::Tiktok,
        "Launch Video",
        Budget::Lifetime(250_000),
        Outcome::Conversions,
        (AxisMode::Auto, AxisMode::Auto),
    )
    .await?;
    let brand = create(
        services,
        &customer,
        Platform::Meta,
        "Brand always-on",
        Budget::Daily(2_000),
        Outcome::Traffic,
        (AxisMode::Draft, AxisMode::Draft),
    )
    .await?;
    // This one follows its layer's defaults instead of keeping its own authority.
    services
        .update_campaign_authority(&customer, brand, AuthorityChange::default(), true, false)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let apple = create(
        services,
        &customer,
        Platform::Apple,
        "App Installs US",
        Budget::Daily(3_000),
        Outcome::AppInstalls,
        (AxisMode::Draft, AxisMode::Off),
    )
    .await?;

    let ad_set = submit(
        services,
        &customer,
        AdWrite::CreateAdSet {
            campaign_id: spring,
            name: "US 25-44".to_owned(),
            daily_budget_cents: None,
            targeting: None,
        },
    )
    .await?;
    let ad_set = ad_set.ad_set.map(|s| s.id).ok_or("ad set not created")?;
    let mut launched = Vec::new();
    for (index, name) in
        ["Beach hero video", "Testimonial carousel", "Discount static"].into_iter().enumerate()
    {
        let creative = creative(services, org.id, name).await?;
        if index < 2 {
            let launch_ad =
                AdWrite::LaunchAd { ad_set_id: ad_set, name: format!("{name} ad"), creative_id: creative };
            launched.extend(submit(services, &customer, launch_ad).await?.ad.map(|ad| ad.id));
        }
    }
    // Ten days of sandbox delivery: the first ad wears out, the second keeps converting.
    for (ad, profile) in launched.iter().zip([MetricsProfile::Fatiguing, MetricsProfile::Healthy]) {
        let simulated = services.simulate_ad_metrics(&customer, *ad, profile, 10).await;
        simulated.map_err(|e| format!("{e:?}"))?.map_err(|e| e.message)?;
    }
    // From now on the customer approves Spring Sale's creative changes.
    let draft_creatives = AuthorityChange { creative: Some(AxisMode::Draft), ..AuthorityChange::default() };
    services
        .update_campaign_authority(&customer, spring, draft_creatives, false, false)
        .await
        .map_err(|e| format!("{e:?}"))?;

    // Layer defaults as a customer would leave them: Meta mostly automatic with a cap, TikTok
    // queueing everything, Apple locked down.
    set_defaults(services, &customer, Platform::Meta, AxisMode::Auto, Some(50_000)).await?;
    set_defaults(services, &customer, Platform::Tiktok, AxisMode::Draft, None).await?;
    set_defaults(services, &customer, Platform::Apple, AxisMode::Off, None).await?;

    // The optimizer's proposals waiting for approval, and a few decisions for the audit log.
    let optimizer = Caller::optimizer(org.id);
    submit(
        services,
        &optimizer,
        AdWrite::CampaignBudget { campaign_id: retarget, budget: Budget::Daily(4_000) },
    )
    .await?;
    submit(
        services,
        &optimizer,
        AdWrite::CampaignStatus { campaign_id: retarget, action: StatusAction::Pause },
    )
    .await?;
    submit(
        services,
        &optimizer,
        AdWrite::CampaignBidding {
            campaign_id: launch,
            bid_strategy: BidStrategy::CostCap,
            bid_amount_cents: Some(800),
        },
    )
    .await?;
    submit(
        services,
        &optimizer,
        AdWrite::CampaignBudget { campaign_id: apple, budget: Budget::Daily(6_000) },
    )
    .await?;
    submit(
        services,
        &customer,
        AdWrite::CampaignBudget { campaign_id: spring, budget: Budget::Daily(7_500) },
    )
    .await?;
    submit(
        services,
        &customer,
        AdWrite::CampaignBudget { campaign_id: spring, budget: Budget::Daily(90_000) },
    )
    .await?;
    // The optimizer's first cycle: it proposes pruning the fatigued ad and launching the spare
    // creative, both waiting for approval (the campaign's creative axis is draft).
    services.run_optimizer(org.id, Trigger::Schedule, None).await.map_err(|e| format!("{e:?}"))?;
    Ok(org)
}

async fn set_defaults(
    services: &Services,
    customer: &Caller,
    platform: Platform,
    mode: AxisMode,
    cap: Option<i64>,
) -> Result<(), SeedError> {
    let change = LayerDefaultsChange {
        authority: AuthorityChange { creative: Some(mode), tactical: Some(mode), structural: Some(mode) },
        max_daily_budget_cents: Some(cap),
    };
    let result = services
        .update_layer_defaults(customer, platform, change, false)
        .await
        .map_err(|e| format!("{e:?}"))?;
    if !result.applied {
        return Err(format!("seeding {platform} defaults was not applied").into());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn create(
    services: &Services,
    customer: &Caller,
    platform: Platform,
    name: &str,
    budget: Budget,
    outcome: Outcome,
    (management, creative): (AxisMode, AxisMode),
) -> Result<Uuid, SeedError> {
    let authority = AuthorityBlock { creative, tactical: management, structural: management };
    let write = AdWrite::CreateCampaign(NewCampaign {
        platform,
        name: name.to_owned(),
        budget,
        outcome,
        authority,
        bid_strategy: BidStrategy::LowestCost,
        bid_amount_cents: None,
        targeting: None,
        start_time: None,
        end_time: None,
    });
    let result = submit(services, customer, write).await?;
    Ok(result
        .campaign
        .map(|c| c.id)
        .ok_or_else(|| format!("campaign {name} not created: {:?}", result.user_errors))?)
}

async fn submit(services: &Services, caller: &Caller, write: AdWrite) -> Result<WriteResult, SeedError> {
    let result = services.submit(caller, write, false).await.map_err(|e| format!("{e:?}"))?;
    if let Some(error) = result.user_errors.first() {
        return Err(format!("seed write refused: {} {}", error.code, error.message).into());
    }
    Ok(result)
}

async fn creative(services: &Services, org: Uuid, name: &str) -> Result<Uuid, SeedError> {
    use crate::store::creatives::{self, Generated, NewDraft};
    let draft = NewDraft {
        organization_id: org,
        name: name.to_owned(),
        approval_status: "not_required",
        parent_id: None,
    };
    let container = creatives::insert_draft(&services.db, draft).await?;
    let generated = Generated {
        status: "completed",
        media_url: Some(format!("{}/{}.mp4", crate::service::creatives::SANDBOX_MEDIA_BASE, container.id)),
        failure_reason: None,
        completed_at: Some(Utc::now()),
        approval_status: "not_required",
    };
    creatives::finish_draft(&services.db, org, container.id, generated).await?;
    crate::store::creatives::insert_generated_content(&services.db, org, container.id).await?;
    Ok(container.id)
}
