((S,d,s)=>{let K="seloste-opt-out",y=s.site||location.hostname,l=(s.lang||d.documentElement.lang||"fi").slice(0,2).toLowerCase(),T={
fi:["Kävijätilastot","Saammeko laskea käyntisi sivuston omiin kävijätilastoihin? Tietoja ei luovuteta muille eikä tilastointi käytä evästeitä. Valintasi tallennetaan vain tähän selaimeen.","Hyväksy","Kieltäydy","Tietosuojaseloste","/tietosuojaseloste/"],
sv:["Besöksstatistik","Får vi räkna ditt besök i webbplatsens egen besöksstatistik? Uppgifterna lämnas inte ut till andra och statistiken använder inga kakor. Ditt val sparas bara i den här webbläsaren.","Godkänn","Avböj","Dataskyddsbeskrivning","/sv/dataskyddsbeskrivning/"],
en:["Visitor statistics","May we count your visit in this website's own visitor statistics? The data is not shared with others and the statistics use no cookies. Your choice is saved only in this browser.","Accept","Decline","Privacy notice","/en/privacy-notice/"]},
t=T[l]||T.en,A=new URL("api/consent",d.currentScript.src),B,
C=c=>{let b=JSON.stringify({site:y,choice:c});navigator.sendBeacon?.(A,b)||fetch(A,{method:"POST",body:b,keepalive:!0}).catch(()=>{})},
G=()=>{try{return localStorage[K]}catch(e){}},
H=()=>{B&&B.remove();B=0},
O=()=>{if(B)return;B=d.createElement("section");B.id="seloste-consent";B.setAttribute("aria-label",t[0]);
B.innerHTML="<style>#seloste-consent{position:fixed;z-index:2147483647;left:0;right:0;bottom:0;margin:0 auto;max-width:40rem;box-sizing:border-box;padding:1rem;background:#fff;color:#111;border:2px solid #111;border-bottom:0;border-radius:.5rem .5rem 0 0;box-shadow:0 -2px 12px #0004;font:inherit;font-size:1rem;line-height:1.5;text-align:left}#seloste-consent p{margin:0 0 .75rem}#seloste-consent a{color:#0645ad;text-decoration:underline}#seloste-consent div{display:flex;flex-wrap:wrap;gap:.75rem}#seloste-consent button{flex:1 1 8rem;min-height:2.75rem;margin:0;padding:.5rem 1rem;font:inherit;font-weight:600;background:#fff;color:#111;border:2px solid #111;border-radius:.375rem;cursor:pointer}#seloste-consent :focus-visible{outline:3px solid #0645ad;outline-offset:2px}</style><p><strong></strong> <span></span> <a></a></p><div><button type=button value=1></button><button type=button value=0></button></div>";
let q=x=>B.querySelector(x),[a,r]=B.querySelectorAll("button");q("strong").textContent=t[0];q("span").textContent=t[1];q("a").textContent=t[4];q("a").href=s.statement||t[5];a.textContent=t[2];r.textContent=t[3];
B.onclick=e=>{let v=e.target.value;v&&(C(v==1?"accept":"decline"),S.consent(v==1))};
d.body.prepend(B);C("shown")};
S.consent=x=>{let w=G();try{localStorage[K]=x?"0":"1"}catch(e){}H();x&&w!=0&&S.o()};
S.choices=()=>d.body?O():addEventListener("DOMContentLoaded",O);
s.consent||G()!=null||S.choices()})(seloste,document,seloste.d)
