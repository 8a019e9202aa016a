"""Policy documents cited as indicators' basis (文号 and title), each declared once.

Add a document here (in the section of its business line) before citing it. The
national laws and regulations are cited as published; the numbers of Beijing municipal
notices should be confirmed by the policy office against the policy library (政策法规)
before production use (docs/indicators.md).
"""

from workbench.indicators.registry import Policy

# --- laws and regulations of every line --------------------------------------------
SOCIAL_INSURANCE_LAW = Policy("中华人民共和国主席令第35号", "中华人民共和国社会保险法")
FUND_SUPERVISION_RULES = Policy("人力资源社会保障部令第48号", "社会保险基金行政监督办法")
FUND_SUPERVISION_REGULATION = Policy("国务院令第765号", "社会保险基金监督管理条例")
FRAUD_PUNISHMENT = Policy("人社部发〔2016〕107号", "社会保险欺诈案件管理办法")
CREDIT_BLACKLIST = Policy("人力资源社会保障部令第36号", "社会保险领域严重失信人名单管理暂行办法")
CONTRIB_COLLECTION = Policy("国务院令第259号", "社会保险费征缴暂行条例")
PERSONAL_ACCOUNT = Policy("国发〔1997〕26号", "国务院关于建立统一的企业职工基本养老保险制度的决定")
ACCOUNT_INTEREST = Policy("人社部发〔2017〕31号", "统一和规范职工养老保险个人账户记账利率办法")
# --- pension -------------------------------------------------------------------------
PENSION_DEATH_STOP = Policy("人社厅发〔2018〕107号", "关于做好社会保险待遇资格认证工作的通知")
RETIREMENT_AGE = Policy("国发〔1978〕104号", "国务院关于工人退休、退职的暂行办法")
PENSION_UNIFIED = Policy("国发〔2005〕38号", "国务院关于完善企业职工基本养老保险制度的决定")
BACKPAY_RULES = Policy("人社部发〔2016〕5号", "关于进一步做好社会保险补缴工作有关问题的通知")
PENSION_TRANSFER = Policy("国办发〔2009〕66号", "城镇企业职工基本养老保险关系转移接续暂行办法")
EARLY_RETIREMENT = Policy("劳社部发〔1999〕8号", "关于制止和纠正违反国家规定办理企业职工提前退休有关问题的通知")
DUAL_PENSION = Policy("人社部发〔2014〕17号", "城乡养老保险制度衔接暂行办法")
PRISON_PENSION = Policy("劳社厅函〔2001〕44号", "关于退休人员被判刑后有关养老保险待遇问题的复函")
BASE_LIMITS = Policy("京人社基金发〔2024〕12号", "关于统一2024年度各项社会保险缴费工资基数上下限的通知")
# --- unemployment ----------------------------------------------------------------------
UNEMPLOYMENT_REGULATION = Policy("国务院令第258号", "失业保险条例")
UNEMPLOYMENT_BENEFIT_RULES = Policy("劳动和社会保障部令第8号", "失业保险金申领发放办法")
# --- work injury -----------------------------------------------------------------------
INJURY_REGULATION = Policy("国务院令第586号", "工伤保险条例")
INJURY_DETERMINATION = Policy("人力资源社会保障部令第8号", "工伤认定办法")
DISABILITY_APPRAISAL = Policy("人力资源社会保障部令第21号", "工伤职工劳动能力鉴定管理办法")
# --- human resources market --------------------------------------------------------------
EMPLOYMENT_FUNDS = Policy("财社〔2017〕164号", "就业补助资金管理办法")
BEIJING_EMPLOYMENT_SUBSIDY = Policy("京人社就发〔2019〕4号", "北京市就业补助资金管理使用办法")
# --- resident and agency pension -----------------------------------------------------------
RESIDENT_PENSION = Policy("国发〔2014〕8号", "国务院关于建立统一的城乡居民基本养老保险制度的意见")
AGENCY_PENSION = Policy("国发〔2015〕2号", "国务院关于机关事业单位工作人员养老保险制度改革的决定")
# --- car and house purchase checks ---------------------------------------------------------
CAR_QUOTA = Policy("京政发〔2020〕19号", "北京市小客车数量调控暂行规定")
HOUSE_PURCHASE = Policy("京建发〔2017〕112号", "关于进一步严格购房资格审核的通知")
